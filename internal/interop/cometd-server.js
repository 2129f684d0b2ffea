// A Bayeux server nobody in this repository wrote: cometd-nodejs-server 1.2 (npm),
// the CometD project's Node server, on 127.0.0.1 with an ephemeral port; every path
// other than /publish is the Bayeux endpoint.
//
// Usage: node internal/interop/cometd-server.js [--timeout-s N]
//
// Prints `LISTENING <port>` once it accepts connections. `POST /publish` with a JSON
// body {"channel": "/x", "data": ...} publishes data on channel through a server
// channel and answers 200 `published`. Stops when
// stdin closes (so it never outlives the Go test that started it) or on SIGTERM.

import http from "node:http";
import cometd from "cometd-nodejs-server";

let timeoutS = 5;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
    if (args[i] === "--timeout-s" && i + 1 < args.length) {
        timeoutS = Number(args[++i]);
    } else {
        process.stderr.write(`cometd-server: unknown argument ${args[i]} (flags: --timeout-s N)\n`);
        process.exit(1);
    }
}

const bayeux = cometd.createCometDServer({ timeout: timeoutS * 1000 });

const server = http.createServer((req, res) => {
    if (req.url !== "/publish") {
        bayeux.handle(req, res);
        return;
    }
    let body = "";
    req.on("data", chunk => { body += chunk; });
    req.on("end", () => {
        let msg;
        try {
            msg = JSON.parse(body);
        } catch (e) {
            res.writeHead(400, { "Content-Type": "text/plain" });
            res.end(`cometd-server: /publish body is not JSON: ${e.message}\n`);
            return;
        }
        bayeux.createServerChannel(msg.channel).publish(null, msg.data, () => {
            res.writeHead(200, { "Content-Type": "text/plain" });
            res.end("published\n");
        });
    });
});

server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`LISTENING ${server.address().port}\n`);
});

const stop = () => { server.close(); process.exit(0); };
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
