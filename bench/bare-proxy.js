// The baseline: the least a Node reverse proxy can do (Express 5 + http-proxy-middleware 3),
// with no body parsing, so the gateway's overhead is measured against something real.
//   node bench/bare-proxy.js <upstream-origin> [port]
// Prints `listening <port>` once it accepts connections.
import http from 'node:http';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

const target = process.argv[2] ?? process.env.BENCH_UPSTREAM_ORIGIN;
const port = Number(process.argv[3] ?? process.env.BENCH_PROXY_PORT ?? 0);
if (!target) {
  process.stderr.write('usage: node bench/bare-proxy.js <upstream-origin> [port]\n');
  process.exit(2);
}

// Without a keep-alive agent every request opens a new upstream connection and the
// baseline would measure TCP setup instead of proxying. 128 matches the gateway's pool.
const agent = new http.Agent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 30_000 });

const app = express();
app.disable('x-powered-by');
app.use(createProxyMiddleware({ target, pathFilter: '/v1', agent, changeOrigin: true }));

const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

// No SIGTERM handler on purpose: the default exit-by-signal is instant and shows in
// the exit status, so a kill from outside the bench is told apart from a crash.
