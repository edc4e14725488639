import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIAndGroqOnce } from './support/start-gateway-pair.js';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream that answers JSON nested far deeper than anything legitimate (20,000
 * levels: `JSON.parse` reads it, but `JSON.stringify`, `Array.prototype.join` and
 * every recursive walk overflow the stack on it) is an upstream that sent something
 * unreadable: 502 `upstream_invalid_response` for a whole answer or a stream's first
 * event, an in-stream `upstream_invalid_response` later in a stream, and an error
 * body read as an unreadable one (the status decides). Never a 500 `internal_error`,
 * never an error-level log line, and a record for every request. One rule on every
 * path: a body (or event) deeper than the bound (maxUpstreamJsonDepth, 512) is
 * refused, even when the deep part is a field the translated path would ignore.
 * Run through the OpenAI provider and the Groq preset (the compatible decoder), each
 * on the fast path, the translated path (`server.fast_path: false`) and a chain with
 * a storing cache.
 */

const deep = 20_000;
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const usage = '"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}';

function answer(message: string, extra = ''): string {
  return `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini",${extra}"choices":[{"index":0,"message":${message},"finish_reason":"stop"}],${usage}}`;
}
const hi = '{"role":"assistant","content":"hi"}';

function chunk(delta: string, finish: string | null = null, extra = ''): string {
  return `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",${extra}"choices":[{"index":0,"delta":${delta},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
}
const firstChunk = chunk('{"role":"assistant","content":"hi"}');
const done = 'data: [DONE]\n\n';
const finishing = (extra = `${usage},`) => chunk('{}', 'stop', extra);

const json = (body: string, status = 200): ReplayScript => ({ body, contentType: 'application/json', status });
const sse = (body: string): ReplayScript => ({ body, contentType: 'text/event-stream' });

interface Mode {
  name: string;
  whole: ReplayScript;
  stream: ReplayScript;
}

/** The probe's modes: where in the answer the deep value sits. */
const modes: Mode[] = [
  {
    name: 'extra (a top-level field the translated path ignores)',
    whole: json(answer(hi, `"x":${deepArray(deep)},`)),
    stream: sse(firstChunk + finishing(`"x":${deepArray(deep)},${usage},`) + done),
  },
  {
    name: 'content (message.content a deep array)',
    whole: json(answer(`{"role":"assistant","content":${deepArray(deep)}}`)),
    stream: sse(firstChunk + chunk(`{"content":${deepArray(deep)}}`) + finishing() + done),
  },
  {
    name: 'tool (function.arguments a deep object, not a string)',
    whole: json(answer(`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":${deepObject(deep)}}}]}`)),
    stream: sse(firstChunk + chunk(`{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":${deepObject(deep)}}}]}`) + finishing() + done),
  },
  {
    name: 'usage (a deep field inside usage)',
    whole: json(answer(hi).replace('"total_tokens":4', `"total_tokens":4,"x":${deepArray(deep)}`)),
    stream: sse(firstChunk + chunk('{}', 'stop', `"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"x":${deepArray(deep)}},`) + done),
  },
];

const errorBody = `{"error":{"message":"bad","type":"invalid_request_error","x":${deepArray(deep)},"code":${deepObject(deep)}}}`;

type PathName = 'fast' | 'translated' | 'cached';
const paths: PathName[] = ['fast', 'translated', 'cached'];
const providers = ['openai', 'groq'] as const;

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
const gateways = {} as Record<PathName, TestGateway>;
const records = new Map<TestGateway, ReturnType<typeof recordQueue>>();

beforeAll(async () => {
  replay = await startFixtureReplay();
  const config = openAIAndGroqOnce(replay.url, 'sk-deep-json-0123456789abcdef');
  gateways.fast = await startTestGateway(config);
  gateways.translated = await startTestGateway({ ...config, server: { fast_path: false } });
  gateways.cached = await startTestGateway({ ...config, chain: ['auth', 'key-scope', 'cache', 'route', 'adapter'] });
  for (const gateway of Object.values(gateways)) records.set(gateway, recordQueue(gateway));
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway?.close();
  await replay?.close();
});

let sent = 0;

interface Exchange {
  status: number;
  text: string;
  record: RequestRecord;
  /** Log lines at error level or above written while the request ran. */
  errorLines: string[];
}

/** One request against `script`, on `path`: the answer, its record, and the error-level log lines it caused. */
async function exchange(path: PathName, provider: string, script: ReplayScript, stream: boolean, route = '/v1/chat/completions', body?: Record<string, unknown>): Promise<Exchange> {
  const gateway = gateways[path];
  replay.play(script);
  const logged = gateway.logLines.length;
  const recorded = records.get(gateway)!.next();
  // A new prompt each time: the cache must not answer from an earlier request.
  const request = body ?? { model: `${provider}-once`, stream, messages: [{ role: 'user', content: `question ${++sent}` }] };
  const response = await fetch(`${gateway.origin}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  const record = await recorded;
  const errorLines = gateway.logLines.slice(logged).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
  return { status: response.status, text, record, errorLines };
}

/** The `data:` payloads of an SSE answer. */
function dataEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
}

function expectNoInternalError(exchange: Exchange, options: { unreadableFirstEvent?: boolean } = {}): void {
  expect(exchange.text).not.toContain('internal_error');
  expect(exchange.record.errorCode).not.toBe('internal_error');
  expect(exchange.record.status).not.toBe(500);
  if (!options.unreadableFirstEvent) {
    expect(exchange.errorLines).toEqual([]);
    return;
  }
  // A stream whose first event cannot be read is logged as any such stream is today
  // (test/provider-words-redaction.test.ts): one line naming the code, no stack overflow.
  for (const line of exchange.errorLines) {
    expect(line).toContain('"code":"upstream_invalid_response"');
    expect(line).not.toContain('RangeError');
  }
}

describe.each(providers)('an upstream (%s) answering JSON nested 20,000 deep', (provider) => {
  describe.each(paths)('on the %s path', (path) => {
    it.each(modes)('whole answer, $name → 502 upstream_invalid_response', async (mode) => {
      const result = await exchange(path, provider, mode.whole, false);
      expectNoInternalError(result);
      expect(result.status).toBe(502);
      expect((JSON.parse(result.text) as { error: { code: string } }).error.code).toBe('upstream_invalid_response');
      expect(result.record.status).toBe(502);
      expect(result.record.errorCode).toBe('upstream_invalid_response');
    });

    it.each(modes)('stream, $name after the first event → the text, then an in-stream upstream_invalid_response, no [DONE]', async (mode) => {
      const result = await exchange(path, provider, mode.stream, true);
      expectNoInternalError(result);
      expect(result.status).toBe(200);
      const events = dataEvents(result.text);
      expect(events[0]).toContain('"hi"');
      expect((JSON.parse(events.at(-1)!) as { error?: { code: string } }).error?.code).toBe('upstream_invalid_response');
      expect(result.text).not.toContain('[DONE]');
      expect(result.record.errorCode).toBe('upstream_invalid_response');
    });

    it('stream whose first event is deep → 502 upstream_invalid_response before any byte', async () => {
      const result = await exchange(path, provider, sse(chunk('{"content":"hi"}', null, `"x":${deepArray(deep)},`) + finishing() + done), true);
      expectNoInternalError(result, { unreadableFirstEvent: true });
      expect(result.status).toBe(502);
      expect((JSON.parse(result.text) as { error: { code: string } }).error.code).toBe('upstream_invalid_response');
      expect(result.record.status).toBe(502);
    });

    it.each([false, true])('an error body (400) with deep fields, stream %s → 400 upstream_bad_request, as an unreadable error body', async (stream) => {
      const result = await exchange(path, provider, json(errorBody, 400), stream);
      expectNoInternalError(result);
      expect(result.status).toBe(400);
      expect((JSON.parse(result.text) as { error: { code: string } }).error.code).toBe('upstream_bad_request');
      expect(result.record.status).toBe(400);
    });

    it('a whole answer exactly 512 levels deep is served; 513 is refused', async () => {
      // The answer object is one level; `x` adds the rest.
      const at = await exchange(path, provider, json(answer(hi, `"x":${deepArray(511)},`)), false);
      expectNoInternalError(at);
      expect(at.status).toBe(200);
      expect((JSON.parse(at.text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('hi');
      const past = await exchange(path, provider, json(answer(hi, `"x":${deepArray(512)},`)), false);
      expectNoInternalError(past);
      expect(past.status).toBe(502);
    });
  });
});

describe('deep JSON text inside a string (tool-call arguments)', () => {
  const deepArguments = JSON.stringify(deepObject(deep));
  const toolAnswer = answer(`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":${deepArguments}}}]}`);

  it.each(paths)('goes to an OpenAI client as the string it is (%s path)', async (path) => {
    const result = await exchange(path, 'openai', json(toolAnswer), false);
    expectNoInternalError(result);
    expect(result.status).toBe(200);
    const body = JSON.parse(result.text) as { choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }> };
    expect(body.choices[0]!.message.tool_calls[0]!.function.arguments).toBe(deepObject(deep));
  });

  it('reaches an Anthropic client (/v1/messages) as an empty input, as arguments it cannot read', async () => {
    const result = await exchange('translated', 'openai', json(toolAnswer), false, '/v1/messages', {
      model: 'openai-once',
      max_tokens: 100,
      messages: [{ role: 'user', content: `question ${++sent}` }],
    });
    expectNoInternalError(result);
    expect(result.status).toBe(200);
    const body = JSON.parse(result.text) as { content: Array<{ type: string; input?: unknown }> };
    expect(body.content.find((block) => block.type === 'tool_use')?.input).toEqual({});
  });
});
