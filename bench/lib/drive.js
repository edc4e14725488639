// A fixed number of requests over keep-alive connections, from Node: where a run must do
// the same work however slowly a busy machine serves it (wrk runs for a duration instead).
import http from 'node:http';
import { benchApiKey } from './gateway-config.js';

const userMarker = '"role":"user","content":"';

function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${benchApiKey}` },
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.on('response', (res) => {
      res.on('data', () => {});
      res.on('error', reject);
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`))));
    });
    req.end(body);
  });
}

/**
 * `count` requests to `target.url` over `concurrency` connections of `agent`; when
 * `target.unique`, each user message starts with `prefix` and its number (a cache miss).
 */
export async function drive(agent, target, body, count, concurrency, prefix) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const sent = target.unique ? body.replace(userMarker, `${userMarker}${prefix}-${n} `) : body;
      await post(agent, target.url, sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
