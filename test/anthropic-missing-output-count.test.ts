import Anthropic from '@anthropic-ai/sdk';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay } from './support/start-fixture-replay.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An Anthropic answer whose usage leaves out output_tokens: streamed, the gateway bills
 * its estimate of the text; whole, it billed 0 output tokens. Both bill the same now, on
 * both paths.
 */

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let gateway: TestGateway;
let fast: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  replay = await startFixtureReplay();
  gateway = await startTestGateway({ providers: { anthropic: { api_key: 'sk-ant-upstream-test-key-0123456789abcdef', base_url: replay.url } }, server: { fast_path: false } });
  fast = await startTestGateway({ providers: { anthropic: { api_key: 'sk-ant-upstream-test-key-0123456789abcdef', base_url: replay.url } } });
  for (const each of [gateway, fast]) each.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(async () => {
  await gateway?.close();
  await fast?.close();
  await replay?.close();
});

const text = 'The capital of France is Paris, a city on the Seine with about two million people.';
const message = { id: 'msg_01NoOutput', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'end_turn', stop_sequence: null };
const whole = { ...message, content: [{ type: 'text', text }], usage: { input_tokens: 14 } };
const sse = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
const streamed = [
  sse('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 14 } } }),
  sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
  sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: {} }),
  sse('message_stop', { type: 'message_stop' }),
].join('');

async function billed(stream: boolean, via = gateway) {
  const client = new Anthropic({ apiKey: masterKey, baseURL: via.origin, maxRetries: 0 });
  const before = records.length;
  replay.play(stream ? { body: streamed, contentType: 'text/event-stream' } : { body: JSON.stringify(whole), contentType: 'application/json' });
  const body = { model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'What is the capital of France?' }] };
  const answer = stream ? await client.messages.stream(body).finalMessage() : await client.messages.create(body);
  await expect.poll(() => records.length).toBe(before + 1);
  const record = records[before]!;
  return { client: answer.usage.output_tokens, ledger: record.usage, costUsd: record.costUsd };
}

describe('an Anthropic answer without usage.output_tokens', () => {
  it('is billed the estimate of its text, whole as streamed, never 0 output tokens', async () => {
    const viaStream = await billed(true);
    const viaWhole = await billed(false);
    expect(viaStream.ledger?.outputTokens).toBeGreaterThan(0);
    expect(viaStream.ledger?.inputTokens).toBe(14);
    expect(viaWhole).toEqual(viaStream);
    // The fast path bills (and tells the client) the same.
    expect(await billed(false, fast)).toEqual(viaStream);
    expect(await billed(true, fast)).toEqual(viaStream);
  });
});
