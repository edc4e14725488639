// Locates the OpenAI wire-format fixtures and builds the bodies every target is sent.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** BENCH_FIXTURES_DIR wins; otherwise the shared fixtures sit next to the repo checkout. */
export function fixturesDir() {
  const dir = process.env.BENCH_FIXTURES_DIR
    ? path.resolve(process.env.BENCH_FIXTURES_DIR)
    : path.resolve(repoRoot, '..', 'shared', 'fixtures', 'providers');
  const openai = path.join(dir, 'openai');
  if (!existsSync(path.join(openai, 'response.json'))) {
    throw new Error(`OpenAI fixtures not found in ${openai}; set BENCH_FIXTURES_DIR to the providers fixtures folder`);
  }
  return openai;
}

export function readFixture(name) {
  return readFileSync(path.join(fixturesDir(), name));
}

/** The model the gateway routes to the mock upstream; the upstream itself ignores it. */
export const benchModel = 'upstream/gpt-4o-mini';

// Real system prompts are longer than the fixture's one sentence; this brings the body to ~1 KB.
const systemPromptTail =
  ' Use the get_weather tool whenever the user asks about current conditions, and never guess a' +
  ' temperature. Prefer the unit the user wrote; otherwise use celsius for cities outside the United' +
  ' States. If the city is ambiguous, ask which one they mean before calling the tool.';

/**
 * The fixture request (system + user + one tool), serialised compactly the way SDKs
 * send it, so the mock upstream can spot `"stream":true` with a plain byte search.
 */
export function chatBody(stream) {
  const request = JSON.parse(readFixture('request.json').toString('utf8'));
  request.model = benchModel;
  request.messages[0].content += systemPromptTail;
  if (stream) request.stream = true;
  else delete request.stream;
  delete request.stream_options;
  return JSON.stringify(request);
}

/**
 * The recorded stream's events, each as the bytes of one SSE event. With `tokens`,
 * its content events are repeated (in order, round and round) until the answer has
 * that many, between the same first and closing events: a realistic answer length
 * for what a per-token cost adds up to (BENCH_STREAM_TOKENS).
 */
export function streamEvents(tokens = undefined) {
  const text = readFixture('stream-text-only.txt').toString('utf8').replace(/\r\n/g, '\n');
  const events = text.split('\n\n').filter((event) => event.trim() !== '');
  const isContent = (event) => event.includes('"delta":{"content":"') && !event.includes('"usage":{');
  if (tokens !== undefined) {
    const first = events.findIndex(isContent);
    const content = events.filter(isContent);
    const closing = events.slice(events.findLastIndex(isContent) + 1);
    const repeated = Array.from({ length: tokens }, (_, index) => content[index % content.length]);
    events.splice(0, events.length, ...events.slice(0, first), ...repeated, ...closing);
  }
  return events.map((event) => Buffer.from(`${event}\n\n`));
}
