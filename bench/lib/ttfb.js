// Streaming time-to-first-byte at concurrency 1: sequential requests over one
// keep-alive connection per target, interleaved so every target sees the same noise.
import http from 'node:http';
import { percentile } from './stats.js';

/**
 * One streaming request. Resolves with the milliseconds from sending it to the first
 * body bytes (the first SSE event: headers alone carry no token) and to the end.
 */
function timeOne(agent, url, body, apiKey, timeoutMs) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let firstByte;
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${apiKey}`,
      },
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${url} answered ${res.statusCode}`));
        return;
      }
      res.on('data', () => {
        firstByte ??= process.hrtime.bigint();
      });
      res.on('error', reject);
      res.on('end', () => {
        const ended = process.hrtime.bigint();
        if (firstByte === undefined) {
          reject(new Error(`${url} sent an empty stream`));
          return;
        }
        resolve({ ttfbMs: Number(firstByte - started) / 1e6, totalMs: Number(ended - started) / 1e6 });
      });
    });
    req.end(body);
  });
}

const userMarker = '"role":"user","content":"';

/**
 * targets: [{ name, url, unique }]; a `unique` target gets a fresh user message every
 * time (as wrk's BENCH_UNIQUE does), so a response cache in front of it misses. Runs `warmup` unrecorded rounds, then `requests` rounds
 * of one request per target in turn. Returns { [name]: { p50, p99, mean, ... } } in ms.
 *
 * The order rotates every round, so each target follows every other equally often: a
 * request lands on the background work its predecessor left (a gateway's SQLite thread
 * committing, its budget payments 5 ms later, its log line), and in a fixed order the
 * same target always paid for the same neighbour (in an A/A run, the second of two
 * identical gateways read ~100 µs slower at p50).
 */
export async function measureTtfb(targets, { body, apiKey, requests, warmup = 30, timeoutMs = 10_000 }) {
  const agents = new Map(targets.map((t) => [t.name, new http.Agent({ keepAlive: true, maxSockets: 1 })]));
  const samples = new Map(targets.map((t) => [t.name, []]));
  try {
    for (let round = 0; round < warmup + requests; round++) {
      for (let turn = 0; turn < targets.length; turn++) {
        const target = targets[(turn + round) % targets.length];
        const sent = target.unique ? body.replace(userMarker, `${userMarker}ttfb-${process.pid}-${Date.now()}-${round} `) : body;
        const timing = await timeOne(agents.get(target.name), target.url, sent, apiKey, timeoutMs);
        if (round >= warmup) samples.get(target.name).push(timing);
      }
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  const result = {};
  for (const [name, timings] of samples) {
    const ttfb = timings.map((t) => t.ttfbMs).sort((a, b) => a - b);
    const total = timings.map((t) => t.totalMs).sort((a, b) => a - b);
    result[name] = {
      requests: timings.length,
      p50: percentile(ttfb, 50),
      p99: percentile(ttfb, 99),
      min: ttfb[0],
      max: ttfb[ttfb.length - 1],
      totalP50: percentile(total, 50),
      totalP99: percentile(total, 99),
    };
  }
  return result;
}
