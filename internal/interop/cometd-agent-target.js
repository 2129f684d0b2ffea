// A GWS notification target built on the CometD project's own Node server,
// cometd-nodejs-server (npm), so the catalogue's Bayeux-level scenarios can be played
// against CometD's real behaviour instead of our own internal/bayeux server.
//
// It serves, on 127.0.0.1 with an ephemeral port:
//   - {base}/api/v2/notifications and every path below it (the official JS client posts
//     to .../handshake, .../connect and so on): cometd-nodejs-server with its defaults,
//     behind HTTP Basic auth;
//   - the few agent requests the harness makes, as the GWS documentation describes them:
//     GET  /api/v2/me                 user, X-CSRF-HEADER / X-CSRF-TOKEN, JSESSIONID cookie
//     POST /api/v2/me                 StartContactCenterSession, EndContactCenterSession
//     POST /api/v2/me/channels/chat   Ready, NotReady: answers {"statusCode":0}, then
//                                     delivers a ChannelStateChangeMessageV2 on
//                                     /v2/me/channels to that user's Bayeux sessions only
//     GET  /api/v2/me/chats           {"statusCode":0,"chats":[]} (this target has no chats;
//                                     the harness lists them when it cleans up)
//   - anything else: 404 {"statusCode":6,...}.
//
// Every request needs Basic credentials of a known account (otherwise 401). POST requests
// must also send the CSRF token handed out by GET /api/v2/me, with its JSESSIONID cookie
// (otherwise 403 "Missing or invalid Csrf token").
//
// Users and Bayeux sessions: a Bayeux session belongs to the user whose Basic credentials
// made its handshake (read from the HTTP request through the server's context, in the
// security policy's canHandshake). A message of that session arriving with another user's
// credentials is refused by an incoming extension (CometD's own 404::message_deleted).
// Notifications for a user are delivered with ServerSession.deliver to each live session
// of that user subscribed to the channel (directly or by a wildcard); nothing is broadcast,
// so another user's subscription to /v2/me/channels or /** never sees them. Clients may
// not publish on /v2/me/** (403::publish_denied), so nobody can forge another user's
// notifications. Everything else is cometd-nodejs-server's default: it accepts
// subscriptions to any channel, answers a held /meta/connect with no advice, and allows one
// held connect per browser (BAYEUX_BROWSER cookie).
//
// Usage: node internal/interop/cometd-agent-target.js [--accounts user:pass,...] [--timeout-ms N]
//            [--max-sessions-per-browser N] [--debug]
//   --accounts   agent logins (default agent1..agent4, password "pw"); only the first ':'
//                separates, so passwords may contain ':'
//   --timeout-ms CometD's connect timeout (default: cometd-nodejs-server's, 30000)
//   --max-sessions-per-browser   CometD's option (default: cometd-nodejs-server's, 1)
//   --debug      CometD's debug log and one line per HTTP request, on stderr
//
// Prints `LISTENING <port>` once it accepts connections. Stops when stdin closes (so it
// never outlives the Go test that started it) or on SIGTERM.

import http from "node:http";
import crypto from "node:crypto";
import cometd from "cometd-nodejs-server";

const NOTIFICATIONS = "/api/v2/notifications";
const CSRF_HEADER = "X-CSRF-TOKEN";
const SESSION_COOKIE = "JSESSIONID";

function usage(message) {
    process.stderr.write(`cometd-agent-target: ${message} (flags: --accounts user:pass,... --timeout-ms N --max-sessions-per-browser N --debug)\n`);
    process.exit(1);
}

let accountsFlag = "agent1:pw,agent2:pw,agent3:pw,agent4:pw";
const options = {}; // only what a flag sets: cometd-nodejs-server's defaults otherwise
let debug = false;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
    const value = () => {
        if (i + 1 >= args.length) {
            usage(`${args[i]} needs a value`);
        }
        return args[++i];
    };
    const integer = name => {
        const n = Number(value());
        if (!Number.isInteger(n)) {
            usage(`${name} wants an integer`);
        }
        return n;
    };
    switch (args[i]) {
        case "--accounts":
            accountsFlag = value();
            break;
        case "--timeout-ms":
            options.timeout = integer("--timeout-ms");
            break;
        case "--max-sessions-per-browser":
            options.maxSessionsPerBrowser = integer("--max-sessions-per-browser");
            break;
        case "--debug":
            debug = true;
            break;
        default:
            usage(`unknown argument ${args[i]}`);
    }
}

// users: username -> {password, id, firstName, lastName, sessionStarted, state}
const users = new Map();
for (const item of accountsFlag.split(",")) {
    const at = item.indexOf(":");
    if (at <= 0) {
        usage(`account ${JSON.stringify(item)}: want user:password`);
    }
    const name = item.slice(0, at);
    users.set(name, {
        password: item.slice(at + 1),
        id: crypto.createHash("sha1").update(name).digest("hex").slice(0, 16).toUpperCase(),
        firstName: name,
        lastName: "Conformance",
        sessionStarted: false,
        state: "NotReady",
    });
}

const log = debug ? (...a) => process.stderr.write(a.join(" ") + "\n") : () => {};
if (debug) {
    options.logLevel = "debug";
    console.log = (...a) => console.error(...a); // CometD logs with console.log; keep stdout for LISTENING
}

// --- HTTP helpers -------------------------------------------------------------------

function sendJSON(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
}

function fail(res, status, statusCode, statusMessage, headers) {
    sendJSON(res, status, { statusCode, statusMessage }, headers);
}

function parseCookies(header) {
    const cookies = {};
    for (const part of (header || "").split(";")) {
        const eq = part.indexOf("=");
        if (eq > 0) {
            cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
        }
    }
    return cookies;
}

function safeEqual(a, b) {
    const x = Buffer.from(String(a));
    const y = Buffer.from(String(b));
    return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// authenticate returns the username of valid Basic credentials, or null.
function authenticate(req) {
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization || "");
    if (!m) {
        return null;
    }
    const decoded = Buffer.from(m[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) {
        return null;
    }
    const name = decoded.slice(0, colon);
    const user = users.get(name);
    if (!user || !safeEqual(decoded.slice(colon + 1), user.password)) {
        return null;
    }
    return name;
}

function readJSON(req, res, then) {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", chunk => { body += chunk; });
    req.on("end", () => {
        let value;
        try {
            value = body.trim() === "" ? {} : JSON.parse(body);
        } catch (e) {
            fail(res, 400, 1, `the request body is not JSON: ${e.message}`);
            return;
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            fail(res, 400, 1, "the request body must be a JSON object");
            return;
        }
        then(value);
    });
}

// --- REST sessions and CSRF ----------------------------------------------------------

// restSessions: JSESSIONID value -> {user, token}
const restSessions = new Map();

function randomHex(bytes) {
    return crypto.randomBytes(bytes).toString("hex").toUpperCase();
}

function sessionOf(req, name) {
    const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    const s = id && restSessions.get(id);
    return s && s.user === name ? { id, ...s } : null;
}

function validCSRF(req, name) {
    const s = sessionOf(req, name);
    const token = req.headers[CSRF_HEADER.toLowerCase()];
    return Boolean(s && token && safeEqual(token, s.token));
}

function userObject(req, name) {
    const u = users.get(name);
    return {
        id: u.id,
        userName: name,
        firstName: u.firstName,
        lastName: u.lastName,
        uri: `http://${req.headers.host}/api/v2/users/${u.id}`,
        roles: ["ROLE_AGENT"],
    };
}

// --- CometD ---------------------------------------------------------------------------

const bayeux = cometd.createCometDServer(options);

// owners: Bayeux session id -> username; byUser: username -> Set of ServerSession.
const owners = new Map();
const byUser = new Map();

// The authenticated user of the Bayeux request being processed. cometd-nodejs-server sets
// its context synchronously around the processing of each HTTP request.
function requestUser() {
    const req = bayeux.context.request;
    return req ? req.gwsUser : undefined;
}

bayeux.policy = {
    canHandshake: (session, message, callback) => {
        const name = requestUser();
        if (!name) {
            callback(undefined, false);
            return;
        }
        owners.set(session.id, name);
        if (!byUser.has(name)) {
            byUser.set(name, new Set());
        }
        byUser.get(name).add(session);
        session.addListener("removed", () => {
            owners.delete(session.id);
            byUser.get(name)?.delete(session);
        });
        callback(undefined, true);
    },
    canPublish: (session, message, channel, callback) => {
        // Notifications flow from the server only: no client forges /v2/me/* events.
        callback(undefined, !/^\/v2\/me(\/|$)/.test(channel.name));
    },
};

bayeux.addExtension({
    incoming: (server, session, message, callback) => {
        const owner = session ? owners.get(session.id) : undefined;
        if (message.channel !== "/meta/handshake" && owner !== undefined && owner !== requestUser()) {
            log("refusing", message.channel, "of a session of", owner, "from", requestUser());
            callback(undefined, false);
            return;
        }
        callback(undefined, true);
    },
});

// wildNames lists the wildcard channels that match channel, as CometD computes them.
function wildNames(channel) {
    const segments = channel.split("/").slice(1);
    const names = [];
    for (let i = segments.length - 1; i >= 0; i--) {
        const prefix = "/" + segments.slice(0, i).map(s => s + "/").join("");
        if (i === segments.length - 1) {
            names.push(prefix + "*");
        }
        names.push(prefix + "**");
    }
    return names;
}

// deliverTo queues data on channel for every live Bayeux session of user subscribed to it.
function deliverTo(name, channel, data) {
    const matching = new Set([channel, ...wildNames(channel)]);
    for (const session of byUser.get(name) || []) {
        if (session.subscriptions.some(c => matching.has(c.name))) {
            log("deliver", channel, "to", name, session.id);
            session.deliver(null, channel, data);
        }
    }
}

function channelState(state) {
    return {
        messageType: "ChannelStateChangeMessageV2",
        channels: [{
            channel: "chat",
            userState: state === "Ready"
                ? { state: "Ready", displayName: "Ready", id: "1" }
                : { state: "NotReady", displayName: "Not Ready", id: "2" },
        }],
    };
}

// --- Routes ---------------------------------------------------------------------------

function handleAgent(req, res, name, path) {
    const user = users.get(name);
    if (req.method === "POST" && !validCSRF(req, name)) {
        fail(res, 403, 3, "Missing or invalid Csrf token");
        return;
    }
    const route = `${req.method} ${path}`;
    switch (route) {
        case "GET /api/v2/me": {
            let s = sessionOf(req, name);
            if (!s) {
                s = { id: randomHex(16), user: name, token: randomHex(16) };
                restSessions.set(s.id, { user: name, token: s.token });
            }
            const body = { statusCode: 0, user: userObject(req, name) };
            if (new URL(req.url, "http://x").searchParams.has("subresources")) {
                body.user.chats = [];
            }
            sendJSON(res, 200, body, {
                "Set-Cookie": `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly`,
                "X-CSRF-HEADER": CSRF_HEADER,
                [CSRF_HEADER]: s.token,
            });
            return;
        }
        case "GET /api/v2/me/chats":
            sendJSON(res, 200, { statusCode: 0, chats: [] });
            return;
        case "POST /api/v2/me":
            readJSON(req, res, body => {
                switch (body.operationName) {
                    case "StartContactCenterSession":
                        user.sessionStarted = true;
                        sendJSON(res, 200, { statusCode: 0 });
                        return;
                    case "EndContactCenterSession":
                        user.sessionStarted = false;
                        user.state = "NotReady";
                        sendJSON(res, 200, { statusCode: 0 });
                        return;
                    default:
                        fail(res, 400, 1, `unknown operationName ${JSON.stringify(body.operationName)} on /api/v2/me`);
                }
            });
            return;
        case "POST /api/v2/me/channels/chat":
            readJSON(req, res, body => {
                const op = body.operationName;
                if (op !== "Ready" && op !== "NotReady") {
                    fail(res, 400, 1, `unknown operationName ${JSON.stringify(op)} on /api/v2/me/channels/chat (want Ready or NotReady)`);
                    return;
                }
                if (!user.sessionStarted) {
                    fail(res, 400, 2, "no contact center session: POST /api/v2/me StartContactCenterSession first");
                    return;
                }
                user.state = op;
                sendJSON(res, 200, { statusCode: 0 });
                deliverTo(name, "/v2/me/channels", channelState(op));
            });
            return;
        default:
            fail(res, 404, 6, `${route} is not served by this target`);
    }
}

const server = http.createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    log(req.method, req.url);
    const name = authenticate(req);
    if (!name) {
        fail(res, 401, 20, "wrong or missing Basic credentials", { "WWW-Authenticate": 'Basic realm="gws"' });
        req.resume();
        return;
    }
    if (path === NOTIFICATIONS || path.startsWith(NOTIFICATIONS + "/")) {
        req.gwsUser = name;
        bayeux.handle(req, res);
        return;
    }
    handleAgent(req, res, name, path);
});

server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`LISTENING ${server.address().port}\n`);
});

const stop = () => {
    bayeux.close();
    server.close();
    process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
