import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay } from './support/start-fixture-replay.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * `stop_sequence` on the translated /v1/messages path (`server.fast_path: false`): the
 * sequence the upstream says ended the answer, or, with exactly one asked for, that one.
 * It was always null, so a client reading which stop sequence matched read nothing.
 */

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let gateway: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  replay = await startFixtureReplay();
  gateway = await startTestGateway({ providers: { anthropic: { api_key: 'sk-ant-upstream-test-key-0123456789abcdef', base_url: replay.url } }, server: { fast_path: false } });
  client = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await replay?.close();
});

const message = { id: 'msg_01Stop', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'stop_sequence' };
const usage = { input_tokens: 14, output_tokens: 3 };
const sse = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
/** Anthropic's stream names the sequence in message_delta, which the provider's stream decoder does not keep. */
const streamed = (stopSequence: string) =>
  [
    sse('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 14, output_tokens: 1 } } }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'One, two' } }),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: stopSequence }, usage: { output_tokens: 3 } }),
    sse('message_stop', { type: 'message_stop' }),
  ].join('');
const ask = (stop_sequences: string[]) => ({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, stop_sequences, messages: [{ role: 'user' as const, content: 'Count.' }] });

describe('stop_sequence of a translated Anthropic answer', () => {
  it('whole: the one the upstream names, of several asked for', async () => {
    replay.play({ body: JSON.stringify({ ...message, stop_sequence: ', three', content: [{ type: 'text', text: 'One, two' }], usage }), contentType: 'application/json' });
    const answer = await client.messages.create(ask(['END', ', three']));
    expect(answer).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: ', three' });
  });

  it('streamed: the only one asked for', async () => {
    replay.play({ body: streamed('END'), contentType: 'text/event-stream' });
    const answer = await client.messages.stream(ask(['END'])).finalMessage();
    expect(answer).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  it('streamed with several asked for: null, as the gateway cannot tell which', async () => {
    replay.play({ body: streamed('STOP'), contentType: 'text/event-stream' });
    const answer = await client.messages.stream(ask(['END', 'STOP'])).finalMessage();
    expect(answer).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: null });
  });
});
