// What 10,000 cache entries hold in memory, and what storing and reading one costs,
// for the ways an entry can be kept: as the store keeps it (one JSON string), as a
// UTF-8 Buffer, and as a live object graph (for reference).
//   npx tsc -b && node --expose-gc plugins/policy-cache/bench/entry-memory.js
// Entries are shaped like the overhead bench's (the OpenAI fixture's answer, whole and
// streamed word by word). Each variant runs in a fresh child process, so one variant's
// heap growth does not show in the next one's figures.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LRUCache } from 'lru-cache';
import { MemoryCacheStore, responseToStreamParts } from '../dist/index.js';

const entries = Number(process.env.ENTRIES ?? 10_000);
const variants = ['store', 'buffer', 'objects'];

const response = {
  id: 'chatcmpl-CFa3bJ2kXq9uT7mNw0pLr4sVzY1Hd',
  model: 'gpt-4o-mini-2024-07-18',
  created: 1_764_072_000,
  content: [{ type: 'text', text: "It's currently 18°C and partly cloudy in Paris." }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: { inputTokens: 121, outputTokens: 14, cachedInputTokens: 0, reasoningTokens: 0 },
  providerMetadata: { openai: { system_fingerprint: 'fp_560af6e559', service_tier: 'default' } },
};

/** Entry `index` of a kind: each one distinct, as the bench's unique requests make them. */
function entryFor(index, kind) {
  // A deep copy: entries sharing members would make the object graph look smaller than it is.
  const answer = { ...structuredClone(response), id: `${response.id}-${index}` };
  const result = kind === 'stream' ? { kind: 'chat-stream', parts: responseToStreamParts(answer) } : { kind: 'chat-response', response: answer };
  // As the cache step stores it; OLD_ENTRIES=1 adds the usage copy entries carried before.
  const usage = process.env.OLD_ENTRIES === '1' ? { usage: answer.usage } : {};
  return { v: 1, result, servedBy: { provider: 'upstream', model: 'gpt-4o-mini' }, ...usage, storedAt: Date.now() };
}

const keyFor = (index) => index.toString(16).padStart(64, '0');

/** The three ways of keeping entries, each with the store's interface. */
function makeStore(variant) {
  if (variant === 'store') return new MemoryCacheStore({ maxEntries: entries, maxBytes: 1 << 30 });
  if (variant === 'buffer') {
    const cache = new LRUCache({ max: entries, maxSize: 1 << 30, sizeCalculation: (value) => value.length });
    return {
      set: async (key, entry) => void cache.set(key, Buffer.from(JSON.stringify(entry))),
      get: async (key) => JSON.parse(cache.get(key).toString('utf8')),
      get size() {
        return cache.size;
      },
    };
  }
  const cache = new LRUCache({ max: entries });
  return {
    set: async (key, entry) => void cache.set(key, entry),
    get: async (key) => structuredClone(cache.get(key)),
    get size() {
      return cache.size;
    },
  };
}

async function measure(variant, kind) {
  // Memory: entries made one at a time, so only what the store keeps remains after the GC.
  const store = makeStore(variant);
  globalThis.gc();
  const before = process.memoryUsage();
  for (let index = 0; index < entries; index++) await store.set(keyFor(index), entryFor(index, kind), 3600);
  globalThis.gc();
  const after = process.memoryUsage();
  // Time: storing entries made beforehand, then reading every one back five times.
  const timed = makeStore(variant);
  const made = Array.from({ length: entries }, (_, index) => entryFor(index, kind));
  let start = process.hrtime.bigint();
  for (let index = 0; index < entries; index++) await timed.set(keyFor(index), made[index], 3600);
  const setMicros = Number(process.hrtime.bigint() - start) / 1000 / entries;
  start = process.hrtime.bigint();
  for (let round = 0; round < 5; round++) for (let index = 0; index < entries; index++) await timed.get(keyFor(index));
  const getMicros = Number(process.hrtime.bigint() - start) / 1000 / entries / 5;
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  const serialized = Buffer.byteLength(JSON.stringify(made[0]));
  // Read after the measure: the store must stay reachable until then, or the GC takes it.
  if (store.size !== entries) throw new Error(`${variant} kept ${store.size} of ${entries} entries`);
  return (
    `${variant.padEnd(8)} ${kind.padEnd(7)} ${String(serialized).padStart(5)} B/entry JSON  ` +
    `heap +${mb(after.heapUsed - before.heapUsed)} MB  external +${mb(after.external - before.external)} MB  ` +
    `rss +${mb(after.rss - before.rss)} MB  set ${setMicros.toFixed(2)} µs  get ${getMicros.toFixed(2)} µs`
  );
}

const [variant, kind] = process.argv.slice(2);
if (variant) {
  console.log(await measure(variant, kind));
} else {
  console.log(`${entries} entries each; heap/external/rss: growth after a forced GC once all are stored`);
  for (const entryKind of ['whole', 'stream']) {
    for (const each of variants) {
      process.stdout.write(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), each, entryKind], { encoding: 'utf8' }));
    }
  }
}
