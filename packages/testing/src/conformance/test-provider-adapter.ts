import {
  createLogger,
  GatewayError,
  parseChatCompletionsRequest,
  startProvider,
  UpstreamTransport,
  type ChatResponse,
  type Provider,
  type StreamPart,
} from '@switchyard/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { resolveCapabilities, type ProviderConformanceTarget } from './provider-conformance-target.js';
import { collectParts, lastUsage, responseText, streamedText } from './stream-helpers.js';

const logger = createLogger({ level: 'silent' });
const answer = "It's currently 18°C and partly cloudy in Paris.";
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
  },
};
const timeTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const pixel =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/**
 * The one suite every provider plugin runs: the same OpenAI-shaped requests,
 * through the OpenAI ingress and the plugin, over real HTTP to a mock upstream
 * that speaks the provider's wire format, with the same expectations.
 */
export function testProviderAdapter(target: ProviderConformanceTarget): void {
  describe(`provider conformance: ${target.name}`, () => {
    let upstream: MockUpstream<string>;
    let provider: Provider;
    const transport = new UpstreamTransport();

    beforeAll(async () => {
      upstream = await target.startUpstream();
      provider = startProvider(target.name, target.provider(target.options(upstream)), transport);
    });
    afterAll(async () => {
      await transport.close();
      await upstream.close();
    });
    beforeEach(() => upstream.reset());

    const call = (body: Record<string, unknown>, signal = new AbortController().signal) => ({
      request: parseChatCompletionsRequest({ model: `${target.name}/${target.model}`, ...body }).request,
      model: target.model,
      signal,
      logger,
    });
    const ask = (body: Record<string, unknown>) => provider.chat!.complete(call(body));
    const askStream = async (body: Record<string, unknown>, signal?: AbortSignal) =>
      collectParts(await provider.chat!.stream(call({ ...body, stream: true }, signal)));
    const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
    const can = resolveCapabilities(target);
    /** A test of a feature the provider lacks: skipped, with the reason in its name. */
    const itIf = (capable: boolean, reason: string) =>
      capable ? it : (name: string, fn: () => Promise<void>) => it.skip(`${name} (skipped: ${target.name} declares ${reason})`, fn);

    it('answers text with its finish reason and usage', async () => {
      upstream.enqueue({ reply: { content: answer, usage: { prompt_tokens: 21, completion_tokens: 14 } } });
      const response = await ask(user('Weather in Paris?'));
      expect(responseText(response)).toBe(answer);
      expect(response.finishReason.unified).toBe('stop');
      expect(response.usage).toMatchObject({ inputTokens: 21, outputTokens: 14 });
      expect(response.id).toBeTruthy();
    });

    it('streams text, starting with the response metadata and ending with finish and usage', async () => {
      upstream.enqueue({ reply: { content: answer, usage: { prompt_tokens: 21, completion_tokens: 14 } } });
      const parts = await askStream(user('Weather in Paris?'));
      expect(parts[0]!.type).toBe('stream-start');
      expect(streamedText(parts)).toBe(answer);
      expect(parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(1);
      expect(finishOf(parts)).toBe('stop');
      if (can.streamUsage) expect(lastUsage(parts)).toMatchObject({ inputTokens: 21, outputTokens: 14 });
    });

    it('keeps a multi-byte character whole when the network splits it', async () => {
      upstream.enqueue({ reply: { content: answer }, stream: { splitBytes: true, chunkDelayMs: 2 } });
      const parts = await askStream(user('Weather in Paris?'));
      expect(streamedText(parts)).toBe(answer);
    });

    itIf(can.cachedTokens, 'no cached-token counts')('reports cached (and reasoning) tokens equal to the provider numbers, whole and streamed', async () => {
      const usage = { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 100, reasoning_tokens: 10 };
      const expected = {
        inputTokens: 120,
        outputTokens: 30,
        cachedInputTokens: 100,
        ...(can.reasoningTokens && { reasoningTokens: 10 }),
      };
      upstream.enqueue({ reply: { content: 'ok', usage } }, { reply: { content: 'ok', usage } });
      expect((await ask(user('hi'))).usage).toMatchObject(expected);
      if (can.streamUsage) expect(lastUsage(await askStream(user('hi')))).toMatchObject(expected);
    });

    itIf(can.tools, 'no tools')('returns one tool call with its arguments as valid JSON', async () => {
      upstream.enqueue({ reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }] } });
      const response = await ask({ ...user('Weather in Paris?'), tools: [weatherTool] });
      expect(response.finishReason.unified).toBe('tool-calls');
      const calls = toolCallsOf(response);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.name).toBe('get_weather');
      expect(calls[0]!.id).toBeTruthy();
      expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: 'Paris', unit: 'celsius' });
    });

    itIf(can.parallelToolCalls, can.tools ? 'no parallel tool calls' : 'no tools')('streams several tool calls, each reassembled to valid JSON under its own index', async () => {
      upstream.enqueue({
        reply: {
          toolCalls: [
            { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
            { name: 'get_time', arguments: { city: 'Tokyo' } },
          ],
        },
      });
      const parts = await askStream({ ...user('Paris weather and Tokyo time?'), tools: [weatherTool, timeTool] });
      const calls = reassembleToolCalls(parts);
      expect(calls.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
      expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: 'Paris', unit: 'celsius' });
      expect(JSON.parse(calls[1]!.arguments)).toEqual({ city: 'Tokyo' });
      expect(new Set(calls.map((c) => c.id)).size).toBe(2);
      expect(finishOf(parts)).toBe('tool-calls');
    });

    itIf(can.tools, 'no tools')('sends a tool result back after its tool call, and the upstream accepts the turn order', async () => {
      // The answer is scripted: what it says does not depend on the mock reading the tool result.
      upstream.enqueue({ reply: { content: answer } });
      const response = await ask({
        messages: [
          { role: 'system', content: 'You are a concise weather assistant.' },
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_abc123', content: '{"temperature":18,"condition":"partly cloudy"}' },
        ],
        tools: [weatherTool],
      });
      expect(responseText(response)).toBe(answer);
      expect(upstream.requests).toHaveLength(1);
      expect(upstream.requests[0]!.rawBody).toContain('partly cloudy');
    });

    itIf(can.images, 'no image input')('accepts image input as a data URL', async () => {
      upstream.enqueue({ reply: { content: 'A single pixel.' } });
      const base64 = pixel.slice(pixel.indexOf(',') + 1);
      const response = await ask(user([{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url: pixel } }]));
      expect(responseText(response)).toBe('A single pixel.');
      expect(upstream.requests[0]!.rawBody).toContain(base64);
    });

    const imageUrl = 'https://example.com/cat.png';
    itIf(can.images, 'no image input')(can.imageUrls ? 'accepts image input as an https URL' : 'refuses an https image URL with a clear 400', async () => {
      if (can.imageUrls) upstream.enqueue({ reply: { content: 'A cat.' } });
      const pending = ask(user([{ type: 'text', text: 'Describe it.' }, { type: 'image_url', image_url: { url: imageUrl } }]));
      if (!can.imageUrls) {
        await expect(pending).rejects.toMatchObject({ status: 400 });
        expect(upstream.requests).toHaveLength(0);
      } else {
        expect(responseText(await pending)).toBe('A cat.');
        expect(upstream.requests[0]!.rawBody).toContain(imageUrl);
      }
    });

    const cityJson = '{"city":"Paris"}';
    itIf(can.jsonMode, 'no JSON mode')('asks for JSON output in JSON mode', async () => {
      upstream.enqueue({ reply: { content: cityJson } });
      const json = await ask({ ...user('Paris as JSON'), response_format: { type: 'json_object' } });
      expect(JSON.parse(responseText(json))).toEqual({ city: 'Paris' });
      expect(target.asksForJson!(upstream.requests[0]!)).toBe(true);
    });

    itIf(can.jsonSchema, 'no JSON schema output')('asks for JSON output with a JSON schema', async () => {
      upstream.enqueue({ reply: { content: cityJson } });
      const schema = await ask({
        ...user('Paris as JSON'),
        response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      });
      expect(JSON.parse(responseText(schema))).toEqual({ city: 'Paris' });
      expect(target.asksForJson!(upstream.requests[0]!)).toBe(true);
    });

    itIf(can.stopSequences, 'no stop sequences')('passes stop sequences on', async () => {
      upstream.enqueue({ reply: { content: '1 2 3' } });
      await ask({ ...user('Count'), stop: ['END', '\n\nUser:'] });
      expect(target.stopSequencesOf!(upstream.requests[0]!)).toEqual(['END', '\n\nUser:']);
    });

    it.each([
      ['invalid_key', 'upstream_authentication_failed', 401, false],
      ['bad_request', 'upstream_bad_request', 400, false],
      ['context_length_exceeded', 'context_length_exceeded', 400, false],
      ['rate_limit', 'rate_limit_exceeded', 429, true],
      ['overloaded', 'upstream_overloaded', 503, true],
      ['server_error', 'upstream_server_error', 502, true],
    ] as const)('maps the %s error to %s (%i, retryable: %s)', async (errorCase, code, status, retryable) => {
      upstream.enqueue({ error: errorCase }, { error: errorCase });
      const whole = await ask(user('hi')).catch((error: unknown) => error);
      expect(whole).toBeInstanceOf(GatewayError);
      expect(whole).toMatchObject({ code, status, retryable, provider: target.name });
      const streamed = await askStream(user('hi')).catch((error: unknown) => error);
      expect(streamed).toMatchObject({ code, status, retryable });
    });

    itIf(can.retryAfter, 'no Retry-After')('passes on how long a rate-limited caller should wait', async () => {
      upstream.enqueue({ error: 'rate_limit', headers: { 'retry-after': '3' } });
      const error = (await ask(user('hi')).catch((caught: unknown) => caught)) as GatewayError;
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
    });

    it('fails a stream cut before it finished, and an in-stream error, as retryable upstream errors', async () => {
      upstream.enqueue({ reply: { content: 'one two three four five six' }, stream: { cutAfterEvents: 2 } });
      const cut = await askStream(user('hi')).catch((error: unknown) => error);
      expect(cut).toBeInstanceOf(GatewayError);
      expect((cut as GatewayError).retryable).toBe(true);

      upstream.enqueue({ reply: { content: 'one two three four five six' }, stream: { midStreamError: true, errorAfterEvents: 2 } });
      const broken = await askStream(user('hi')).catch((error: unknown) => error);
      expect(broken).toBeInstanceOf(GatewayError);
    });

    it('never lets its configured credentials out in an error, when the upstream quotes them JSON-escaped', async () => {
      const secrets = (target.provider(target.options(upstream)).build().secrets ?? []).filter((secret) => secret.length >= 6);
      expect(secrets.length).toBeGreaterThan(0);
      // Every secret, its first character as \uXXXX and every slash as \/, in the fields providers put messages in.
      const quoted = secrets.map((secret) => `\\u${secret.charCodeAt(0).toString(16).padStart(4, '0')}${secret.slice(1).replaceAll('/', '\\/')}`).join(' and ');
      const message = `The key MARKER is not valid`;
      const raw = JSON.stringify({ type: 'error', message, Message: message, error: { type: 'invalid_request_error', code: 400, status: 'INVALID_ARGUMENT', message } }).replaceAll('MARKER', quoted);
      upstream.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, body: raw }, { status: 400, headers: { 'content-type': 'application/json' }, body: raw });
      for (const outcome of [await ask(user('hi')).catch((error: unknown) => error), await askStream(user('hi')).catch((error: unknown) => error)]) {
        expect(outcome).toBeInstanceOf(GatewayError);
        const error = outcome as GatewayError;
        const seen = [JSON.stringify(error.toBody()), error.message, String(error.param), String((error.cause as Error | undefined)?.stack)].join('\n');
        for (const secret of secrets) expect(seen).not.toContain(secret);
      }
    });

    it('reports a stream broken off after the upstream answered as upstream_invalid_response, never upstream_unreachable', async () => {
      upstream.enqueue({ reply: { content: 'one two three four five six' }, stream: { cutAfterEvents: 3 } });
      const cut = await askStream(user('hi')).catch((error: unknown) => error);
      expect(cut).toMatchObject({ code: 'upstream_invalid_response', retryable: true, provider: target.name });
    });

    it('ends a call the upstream takes and never answers, a whole answer whose body stalls, and a stream that stalls after it began, with a retryable upstream_timeout (timeouts.headers_ms, body_ms)', async () => {
      const impatient = startProvider(target.name, target.provider({ ...target.options(upstream), timeouts: { headers_ms: 300, body_ms: 300 } }), transport);
      const timedOut = { code: 'upstream_timeout', retryable: true, provider: target.name };

      upstream.enqueue({ hang: true });
      expect(await impatient.chat!.complete(call(user('hi'))).catch((error: unknown) => error)).toMatchObject(timedOut);

      upstream.enqueue({ status: 200, body: { note: 'the first half of an answer, then silence' }, stallBody: true });
      expect(await impatient.chat!.complete(call(user('hi'))).catch((error: unknown) => error)).toMatchObject(timedOut);

      upstream.enqueue({ reply: { content: 'one two three four five six' }, stream: { stallAfterEvents: 3 } });
      const parts: StreamPart[] = [];
      const stalled = await (async () => {
        for await (const part of await impatient.chat!.stream(call({ ...user('hi'), stream: true }))) parts.push(part);
      })().catch((error: unknown) => error);
      expect(stalled).toMatchObject(timedOut);
      // The stream had begun: its first part was handed on before the silence.
      expect(parts.length).toBeGreaterThan(0);
      await upstream.waitForAborts(3);
    });

    it('cancels the upstream request when the caller aborts, whole and streamed', async () => {
      upstream.enqueue({ hang: true });
      const abortWhole = new AbortController();
      const whole = provider.chat!.complete(call(user('hi'), abortWhole.signal));
      await expect.poll(() => upstream.requests.length).toBe(1);
      abortWhole.abort();
      await expect(whole).rejects.toBeInstanceOf(GatewayError);
      await upstream.waitForAborts(1);

      const words = Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ');
      upstream.enqueue({ reply: { content: words }, stream: { chunkDelayMs: 50 } });
      const abortStream = new AbortController();
      const stream = await provider.chat!.stream(call({ ...user('hi'), stream: true }, abortStream.signal));
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      abortStream.abort();
      await expect(drain(iterator)).rejects.toBeInstanceOf(GatewayError);
      await upstream.waitForAborts(2);
    });

    itIf(can.modelList, 'no model list')('lists its models live', async () => {
      const models = await provider.listModels!(AbortSignal.timeout(5000));
      expect(models.length).toBeGreaterThan(0);
      expect(models.every((model) => typeof model.id === 'string' && !model.id.includes('models/'))).toBe(true);
    });

    {
      const embeddingModel = target.embeddingModel ?? '';
      itIf(target.embeddingModel !== undefined, 'no embeddings (no embeddingModel given)')('embeds several inputs, one vector each, in order', async () => {
        const result = await provider.embeddings!.embed({
          request: { model: `${target.name}/${embeddingModel}`, input: ['one', 'two', 'one'] },
          model: embeddingModel,
          signal: new AbortController().signal,
          logger,
        });
        expect(result.embeddings).toHaveLength(3);
        expect(result.embeddings[0]).toEqual(result.embeddings[2]);
        expect(result.embeddings[0]).not.toEqual(result.embeddings[1]);
      });
    }
  });
}


async function drain(iterator: AsyncIterator<StreamPart>): Promise<void> {
  for (let step = await iterator.next(); !step.done; step = await iterator.next());
}


function toolCallsOf(response: ChatResponse) {
  return response.content.flatMap((part) => (part.type === 'tool-call' ? [part] : []));
}


function finishOf(parts: StreamPart[]): string | undefined {
  return parts.flatMap((part) => (part.type === 'finish' ? [part.finishReason.unified] : [])).at(-1);
}


/** The tool calls of a stream, arguments concatenated per index, in index order. */
export function reassembleToolCalls(parts: StreamPart[]): Array<{ id: string; name: string; arguments: string }> {
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const part of parts) {
    if (part.type === 'tool-call-start') calls.set(part.index, { id: part.id, name: part.name, arguments: '' });
    if (part.type === 'tool-call-delta') calls.get(part.index)!.arguments += part.argumentsDelta;
  }
  return [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
}
