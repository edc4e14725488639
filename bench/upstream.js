// A lean mock of OpenAI's chat completions endpoint, run in its own process so its
// CPU never counts against the proxy or the gateway it sits behind.
//   node bench/upstream.js [port]     (or BENCH_UPSTREAM_PORT; 0 picks a free port)
// BENCH_STREAM_TOKENS=N makes every stream N content events long (the recorded one has 10).
// Prints `listening <port>` once it accepts connections.
import http from 'node:http';
import { readFixture, streamEvents } from './lib/fixtures.js';

const port = Number(process.argv[2] ?? process.env.BENCH_UPSTREAM_PORT ?? 0);

// Everything is serialised once up front: the upstream should cost the same for every target.
const completion = readFixture('response.json');
const streamTokens = process.env.BENCH_STREAM_TOKENS === undefined ? undefined : Number(process.env.BENCH_STREAM_TOKENS);
if (streamTokens !== undefined && !(Number.isInteger(streamTokens) && streamTokens >= 1 && streamTokens <= 100_000)) {
  throw new Error('BENCH_STREAM_TOKENS must be a whole number from 1 to 100000');
}
const events = streamEvents(streamTokens);
const streamFlag = /"stream"\s*:\s*true/;

// Counters let the orchestrator check that proxy and gateway really reuse connections.
// Only connections that carried a chat request count, so polling /__stats does not skew them.
const stats = { connections: 0, requests: 0 };
const counted = new WeakSet();

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  stats.requests++;
  if (!counted.has(req.socket)) {
    counted.add(req.socket);
    stats.connections++;
  }
  // Read the whole body first, as a real upstream would before answering.
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    if (streamFlag.test(body.toString('latin1'))) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      // One write per event, like OpenAI's own framing; no delay, to isolate proxy cost.
      for (const event of events) res.write(event);
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': completion.length });
      res.end(completion);
    }
  });
});

// Longer than any pause between benchmark runs, so pooled connections stay usable.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

// No SIGTERM handler on purpose: the default exit-by-signal is instant and shows in
// the exit status, so a kill from outside the bench is told apart from a crash.
