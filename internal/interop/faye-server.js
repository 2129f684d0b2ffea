// A Bayeux server nobody in this repository wrote: faye 1.4 (npm `faye`), mounted at
// /faye on 127.0.0.1 with an ephemeral port.
//
// Usage: node internal/interop/faye-server.js [--timeout-s N]
//
// Prints `LISTENING <port>` once it accepts connections. `POST /publish` with a JSON
// body {"channel": "/x", "data": ...} publishes data on channel through faye's own
// server-side client and answers 200 `published` once faye accepted it. Stops when
// stdin closes (so it never outlives the Go test that started it) or on SIGTERM.

import http from "node:http";
import faye from "faye";

let timeoutS = 5;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
    if (args[i] === "--timeout-s" && i + 1 < args.length) {
        timeoutS = Number(args[++i]);
    } else {
        process.stderr.write(`faye-server: unknown argument ${args[i]} (flags: --timeout-s N)\n`);
        process.exit(1);
    }
}

const bayeux = new faye.NodeAdapter({ mount: "/faye", timeout: timeoutS });

const server = http.createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/publish") {
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("faye-server: only POST /publish is served outside /faye\n");
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
            res.end(`faye-server: /publish body is not JSON: ${e.message}\n`);
            return;
        }
        bayeux.getClient().publish(msg.channel, msg.data).then(
            () => { res.writeHead(200, { "Content-Type": "text/plain" }); res.end("published\n"); },
            err => { res.writeHead(500, { "Content-Type": "text/plain" }); res.end(`faye-server: publish failed: ${err && err.message}\n`); },
        );
    });
});
bayeux.attach(server);

server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`LISTENING ${server.address().port}\n`);
});

const stop = () => { server.close(); process.exit(0); };
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
