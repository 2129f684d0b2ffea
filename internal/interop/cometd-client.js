// A Bayeux peer nobody in this repository wrote: the official CometD JavaScript client
// (npm `cometd` 9.x) running in Node through `cometd-nodejs-client`.
//
// Usage:
//   node internal/interop/cometd-client.js --url URL --user U --password P --channel CH
//        [--channel CH2 ...] [--expect 'JSON subset'] [--timeout-ms N] [--debug]
//
// Sends HTTP Basic credentials on every request (cookies are kept by the adapter),
// subscribes to every --channel, prints `SUBSCRIBED` once all are acknowledged, then
// one line `MESSAGE <channel> <compact JSON data>` per received message. Exits 0 as
// soon as a message whose data contains the --expect subset arrives (any message
// without --expect); exits 1 with one stderr line on timeout or error.
//
// "Contains" means: an expected object's keys are all present with matching values
// (extra keys allowed); an expected array's elements each match some actual element;
// scalars are equal.

import { adapt } from "cometd-nodejs-client";
import { CometD } from "cometd";

function fail(text) {
    process.stderr.write(`cometd-client: ${text}\n`);
    process.exit(1);
}

function parseArgs(argv) {
    const opts = { channels: [], timeoutMs: 30000, expect: undefined, debug: false };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            if (i + 1 >= argv.length) fail(`flag ${flag} needs a value`);
            return argv[++i];
        };
        switch (flag) {
            case "--url": opts.url = value(); break;
            case "--user": opts.user = value(); break;
            case "--password": opts.password = value(); break;
            case "--channel": opts.channels.push(value()); break;
            case "--timeout-ms": {
                const raw = value();
                opts.timeoutMs = Number(raw);
                if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) fail(`--timeout-ms: not a positive number: ${raw}`);
                break;
            }
            case "--expect": {
                const raw = value();
                try {
                    opts.expect = JSON.parse(raw);
                } catch (e) {
                    fail(`--expect: not valid JSON: ${e.message}`);
                }
                break;
            }
            case "--debug": opts.debug = true; break;
            default: fail(`unknown flag ${flag} (flags: --url --user --password --channel --expect --timeout-ms --debug)`);
        }
    }
    if (!opts.url) fail("--url is required");
    if (opts.channels.length === 0) fail("at least one --channel is required");
    if ((opts.user === undefined) !== (opts.password === undefined)) fail("--user and --password go together");
    return opts;
}

function contains(actual, expected) {
    if (Array.isArray(expected)) {
        return Array.isArray(actual) && expected.every(e => actual.some(a => contains(a, e)));
    }
    if (expected !== null && typeof expected === "object") {
        return actual !== null && typeof actual === "object" && !Array.isArray(actual) &&
            Object.keys(expected).every(k => k in actual && contains(actual[k], expected[k]));
    }
    return actual === expected;
}

const opts = parseArgs(process.argv.slice(2));
adapt();

let lastFailure = ""; // the latest transient failure, reported if we time out
const timer = setTimeout(() => {
    const what = opts.expect === undefined ? "a message" : "a message containing " + JSON.stringify(opts.expect);
    const why = lastFailure ? ` (last failure: ${lastFailure})` : "";
    fail(`timed out after ${opts.timeoutMs} ms waiting for ${what} on ${opts.channels.join(", ")} from ${opts.url}${why}`);
}, opts.timeoutMs);

const cometd = new CometD();
const requestHeaders = {};
if (opts.user !== undefined) {
    requestHeaders.Authorization = "Basic " + Buffer.from(`${opts.user}:${opts.password}`).toString("base64");
}
cometd.configure({ url: opts.url, requestHeaders, logLevel: opts.debug ? "debug" : "warn" });

function onMessage(message) {
    process.stdout.write(`MESSAGE ${message.channel} ${JSON.stringify(message.data)}\n`);
    if (opts.expect === undefined || contains(message.data, opts.expect)) {
        clearTimeout(timer);
        process.exit(0);
    }
}

let announced = false;
let subscriptions = [];

function describeFailure(reply) {
    const failure = reply.failure || {};
    const http = failure.httpCode ? `HTTP ${failure.httpCode}` : "";
    const reason = reply.error || failure.reason || (failure.exception && failure.exception.message) || "no reason given";
    return [http, reason].filter(Boolean).join(": ");
}

// Subscribe again after every successful handshake: a re-handshake (after the server
// lost the session) starts with no subscriptions.
cometd.addListener("/meta/handshake", reply => {
    if (!reply.successful) {
        const code = reply.failure && reply.failure.httpCode;
        if (code >= 400 && code < 500) fail(`handshake with ${opts.url} refused: ${describeFailure(reply)}`);
        if (reply.advice && reply.advice.reconnect === "none") fail(`handshake with ${opts.url} failed: ${describeFailure(reply)}`);
        lastFailure = `handshake: ${describeFailure(reply)}`;
        return; // transient: the client retries by itself
    }
    subscriptions.forEach(s => cometd.unsubscribe(s));
    subscriptions = [];
    let pending = opts.channels.length;
    cometd.batch(() => {
        for (const channel of opts.channels) {
            subscriptions.push(cometd.subscribe(channel, onMessage, ack => {
                if (!ack.successful) fail(`subscription to ${channel} refused: ${describeFailure(ack)}`);
                if (--pending === 0 && !announced) {
                    announced = true;
                    process.stdout.write("SUBSCRIBED\n");
                }
            }));
        }
    });
});

cometd.addListener("/meta/connect", reply => {
    if (!reply.successful) {
        if (reply.advice && reply.advice.reconnect === "none") fail(`connect refused with reconnect none: ${describeFailure(reply)}`);
        lastFailure = `connect: ${describeFailure(reply)}`;
    }
});

cometd.handshake();
