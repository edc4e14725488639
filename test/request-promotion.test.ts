import { request as httpRequest, Agent } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSwitchyard, type SpawnedSwitchyard } from './support/spawn-switchyard.js';

// A finished request's objects must die in V8's young generation. What is still
// reachable at two scavenges is promoted, and promoted garbage is what makes V8 mark
// the whole old generation again and again under load (bench/README.md, "Promotion").
// Three causes were found and removed: the request context kept in a WeakMap keyed by
// its response (~7 KB promoted per request), Express setting its prototypes on every
// request (~1.6 KB; ~6 KB on the app's own routes), and a provider call's getters made
// per call (~5 KB). Not a timing test: the bytes promoted per request are counted by
// V8, whatever the machine's speed.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/bin.js');
const probe = path.join(root, 'test/support/promotion-probe.mjs');
const apiKey = 'sy-promotion-probe-key-0123456789';
const concurrency = 16;

let dir: string;
let probeFile: string;
let gateway: SpawnedSwitchyard;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchyard-promotion-'));
  probeFile = path.join(dir, 'promotion.json');
  const config = path.join(dir, 'switchyard.yaml');
  await writeFile(
    config,
    `log: { level: info }
providers:
  mock: { use: mock }
chain:
  - auth: { keys: [ { name: probe, key: ${apiKey}, team: probe } ] }
  - key-scope
  - rate-limit: { limits: { global: { rpm: 100000000 } } }
  - cache
  - route
  - adapter
`,
  );
  gateway = await spawnSwitchyard(process.execPath, ['--import', probe, cli, 'start', '--config', config, '--port', '0'], {
    cwd: dir,
    env: { SWITCHYARD_MASTER_KEY: 'sy-master-promotion-test-0123456789', PROMOTION_PROBE_FILE: probeFile },
  });
}, 60_000);

afterAll(async () => {
  agent.destroy();
  expect(await gateway?.stop()).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

const chatBody = JSON.stringify({
  model: 'mock/echo',
  messages: [
    { role: 'system', content: 'You are a probe. '.repeat(40) },
    { role: 'user', content: 'The same question every time, so every request after the first is a cache hit.' },
  ],
});

function send(method: 'GET' | 'POST', urlPath: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    const req = httpRequest(`${gateway.origin}${urlPath}`, { method, agent, headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** `count` requests, `concurrency` at a time; every one must succeed. */
async function load(count: number, one: () => Promise<number>): Promise<void> {
  let next = 0;
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        statuses.push(await one());
      }
    }),
  );
  expect(statuses.filter((status) => status !== 200)).toEqual([]);
}

/** The probe's running totals, after asking for them with SIGUSR2. */
async function promotedSoFar(): Promise<{ promotedBytes: number; scavenges: number }> {
  const before = await readFile(probeFile, 'utf8').catch(() => '');
  gateway.child.kill('SIGUSR2');
  for (let waited = 0; waited < 10_000; waited += 20) {
    const now = await readFile(probeFile, 'utf8').catch(() => '');
    if (now !== '' && now !== before) return JSON.parse(now) as { promotedBytes: number; scavenges: number };
    await sleep(20);
  }
  throw new Error('the promotion probe did not answer');
}

async function promotedPerRequest(count: number, one: () => Promise<number>): Promise<{ perRequest: number; scavenges: number }> {
  await load(count / 2, one); // warm-up: compiled code, caches filled, the young generation at its size
  const start = await promotedSoFar();
  await load(count, one);
  const end = await promotedSoFar();
  return { perRequest: (end.promotedBytes - start.promotedBytes) / count, scavenges: end.scavenges - start.scavenges };
}

describe('under load, a finished request is not promoted out of the young generation', () => {
  it('on cache hits of the chat route, through the whole chain', async () => {
    const { perRequest, scavenges } = await promotedPerRequest(6000, () => send('POST', '/v1/chat/completions', chatBody));
    // The count is only meaningful across several scavenges.
    expect(scavenges).toBeGreaterThanOrEqual(3);
    // Measured: ~0.15 KB a request now; 1.6 KB with Express's per-request prototypes, 7 KB with the WeakMap.
    expect(perRequest).toBeLessThan(800);
  }, 120_000);

  it('on provider calls, through the whole chain (cache misses that are not stored)', async () => {
    let unique = 0;
    // A temperature the cache does not store by default: every request is a call to the provider.
    const missBody = () =>
      JSON.stringify({ model: 'mock/echo', temperature: 0.7, messages: [{ role: 'user', content: `Question ${unique++}: ${'words '.repeat(80)}` }] });
    const { perRequest, scavenges } = await promotedPerRequest(6000, () => send('POST', '/v1/chat/completions', missBody()));
    expect(scavenges).toBeGreaterThanOrEqual(3);
    // Measured: ~0.6 KB a request now; ~5.8 KB while each provider call's getters were made per call.
    expect(perRequest).toBeLessThan(1600);
  }, 120_000);

  it("on the app's own routes (GET /health)", async () => {
    const { perRequest, scavenges } = await promotedPerRequest(12_000, () => send('GET', '/health'));
    expect(scavenges).toBeGreaterThanOrEqual(2);
    // Measured: ~0.25 KB a request now; ~6 KB with Express's per-request prototypes.
    expect(perRequest).toBeLessThan(800);
  }, 120_000);
});
