import { createLogger, isGatewayError, startProvider, UpstreamTransport, type ChatRequest, type HttpChatAdapter } from '@switchyard/core';
import { afterAll, describe, expect, it } from 'vitest';
import openai from '../src/index.js';

/**
 * OpenAI's chat completions take at most 4 stop sequences; /v1/messages allows 64. A translated
 * call with more went to OpenAI and came back as its own 400. Refused by the gateway before
 * sending to OpenAI's own API; a compatible server behind the plugin (vLLM) still gets them.
 */
const transport = new UpstreamTransport();
afterAll(() => transport.close({ force: true }));
const logger = createLogger({ level: 'silent' });

const request = (stopSequences: string[]): ChatRequest => ({
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stopSequences,
  stream: false,
});
const call = (stopSequences: string[]) => ({ request: request(stopSequences), model: 'gpt-4o-mini', signal: new AbortController().signal, logger });

describe("OpenAI's stop-sequence limit", () => {
  it('5 stop sequences to OpenAI itself are a gateway invalid_request naming the limit, nothing sent', async () => {
    const provider = startProvider('east', openai({ api_key: 'sk-test-east-0123456789' }), transport);
    const failure = await provider.chat!.complete(call(['a', 'b', 'c', 'd', 'e'])).then(() => undefined, (error: unknown) => error);
    expect(isGatewayError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'invalid_request', status: 400 });
    expect((failure as Error).message).toBe('OpenAI takes at most 4 stop sequences; this request has 5.');
  });

  it('4 to OpenAI itself, and 5 to a compatible server behind the plugin, are built as they are', () => {
    const official = openai({ api_key: 'sk-test-east-0123456789' }).build().chat as HttpChatAdapter;
    expect(JSON.parse(official.buildRequest(request(['a', 'b', 'c', 'd']), 'gpt-4o-mini', call([])).body as string)).toMatchObject({ stop: ['a', 'b', 'c', 'd'] });
    const vllm = openai({ base_url: 'http://127.0.0.1:47799/v1' }).build().chat as HttpChatAdapter;
    expect(JSON.parse(vllm.buildRequest(request(['a', 'b', 'c', 'd', 'e']), 'm', call([])).body as string)).toMatchObject({ stop: ['a', 'b', 'c', 'd', 'e'] });
  });
});
