// What the stream decoders cost per token event, with the exact-shape read
// (readTokenChunk, readBlockDelta) and with every event parsed: the same events
// with a trailing space, still the same JSON, never match the exact shape.
//   npm run build --silent && node bench/token-decode.js
// Events: the token events of the recorded streams (OpenAI, Groq, DeepSeek, Anthropic).
// BENCH_EVENTS (default 300000) events are decoded per round, 3 rounds; the last counts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SseDecoder } from '@switchyard/core';
import { createAnthropicStreamDecoder } from '../plugins/provider-anthropic/dist/anthropic-stream-decoder.js';
import { createOpenAIStreamDecoder } from '../plugins/provider-openai/dist/openai-stream-decoder.js';
import { createCompatibleStreamDecoder } from '../plugins/provider-openai/dist/presets/create-compatible-stream-decoder.js';
import { fixturesDir } from './lib/fixtures.js';

const providersDir = path.dirname(fixturesDir());
const count = Number(process.env.BENCH_EVENTS ?? 300_000);
if (!Number.isInteger(count) || count < 1000) throw new Error('BENCH_EVENTS must be an integer ≥ 1000');

function eventsOf(dir, file) {
  const framer = new SseDecoder();
  return [...framer.feed(readFileSync(path.join(providersDir, dir, file))), ...framer.end()];
}

/** A decoder past its stream's first events, and the token events to decode again and again. */
const cases = [
  { name: 'OpenAI chunks (content, tool arguments)', create: createOpenAIStreamDecoder, dir: 'openai', file: 'stream.txt', isToken: (e) => !e.data.includes('"role"') && !e.data.includes('"name"') && (e.data.includes('"content":"') || e.data.includes('"arguments":"')) },
  { name: 'Groq chunks (content)', create: createCompatibleStreamDecoder, dir: 'openai-compatible', file: 'groq-stream.txt', isToken: (e) => /"delta":\{"content":"/.test(e.data) },
  { name: 'DeepSeek chunks (reasoning, content)', create: createCompatibleStreamDecoder, dir: 'openai-compatible', file: 'deepseek-stream-reasoner.txt', isToken: (e) => /"delta":\{"content":(null|"[^"]+")/.test(e.data) && !e.data.includes('"usage"') },
  { name: 'Mistral chunks (content)', create: createCompatibleStreamDecoder, dir: 'mistral', file: 'stream-text-only.txt', isToken: (e) => /"delta":\{"content":"[^"]/.test(e.data) },
  { name: 'Anthropic content_block_delta', create: createAnthropicStreamDecoder, dir: 'anthropic', file: 'stream.txt', isToken: (e) => e.event === 'content_block_delta' },
];

function nsPerEvent(decoder, events) {
  const started = process.hrtime.bigint();
  let parts = 0;
  for (let index = 0; index < count; index++) parts += decoder.decode(events[index % events.length]).length;
  if (parts === 0) throw new Error('the decoder gave no parts');
  return Number(process.hrtime.bigint() - started) / count;
}

console.log(`ns per token event, ${count} events a round, last of 3 rounds`);
console.log('events                                     read   parsed');
for (const { name, create, dir, file, isToken } of cases) {
  const all = eventsOf(dir, file);
  const tokens = all.filter(isToken);
  const parsed = tokens.map((event) => ({ ...event, data: `${event.data} ` }));
  // Started on the stream's own first events (message_start, blocks), so token events are decoded as in a stream.
  const started = () => {
    const decoder = create('bench');
    for (const event of all.slice(0, all.indexOf(tokens[0]))) decoder.decode(event);
    return decoder;
  };
  let read = 0;
  let full = 0;
  for (let round = 0; round < 3; round++) {
    read = nsPerEvent(started(), tokens);
    full = nsPerEvent(started(), parsed);
  }
  console.log(`${name.padEnd(40)} ${read.toFixed(0).padStart(6)} ${full.toFixed(0).padStart(8)}`);
}
