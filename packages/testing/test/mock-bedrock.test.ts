import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { providerFixturesDir, readFixtureJson, startMockBedrock, type MockBedrock } from '../src/index.js';

const credentials = { accessKeyId: 'AKIDMOCKTEST', secretAccessKey: 'mock/Secret+Key/0123456789' };
const modelPath = '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0';
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const fixtureBytes = (file: string) => readFileSync(join(providerFixturesDir(), 'bedrock', file));
const errorsFixture = readFixtureJson<Record<string, { status: number; headers: Record<string, string>; body: unknown }>>('bedrock', 'errors.json');

let mock: MockBedrock;
afterEach(async () => {
  await mock.close();
});

const hello = { messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }] };
const weatherTool = {
  toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
};

function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
}

/** Signs like the AWS SDK does, with the given (maybe wrong) credentials. */
async function signedPost(path: string, body: unknown, keys = credentials, tamper?: (text: string) => string): Promise<Response> {
  const url = new URL(path, mock.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ credentials: keys, region: 'us-east-1', service: 'bedrock', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body: text,
  });
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method: 'POST', headers, body: tamper ? tamper(text) : text });
}

/** Reads a whole event-stream body, counting the network chunks it came in. */
async function readStream(response: Response): Promise<{ bytes: Buffer; chunks: number }> {
  const pieces: Buffer[] = [];
  for await (const chunk of response.body!) pieces.push(Buffer.from(chunk as Uint8Array));
  return { bytes: Buffer.concat(pieces), chunks: pieces.length };
}

function frames(bytes: Buffer): Array<{ headers: Record<string, string>; payload: Record<string, unknown> }> {
  const result = [];
  for (let offset = 0; offset < bytes.length; ) {
    const total = bytes.readUInt32BE(offset);
    const message = codec.decode(bytes.subarray(offset, offset + total));
    const headers = Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, String(value.value)]));
    result.push({ headers, payload: JSON.parse(toUtf8(message.body)) as Record<string, unknown> });
    offset += total;
  }
  return result;
}

describe('mock Bedrock: authentication', () => {
  beforeEach(async () => {
    mock = await startMockBedrock({ ...credentials, apiKey: 'ABSKgood' });
  });

  it('accepts a request signed by the AWS SDK signer', async () => {
    const response = await signedPost(`${modelPath}/converse`, hello);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amzn-requestid')).toBeTruthy();
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(readFixtureJson<Record<string, unknown>>('bedrock', 'response.json')).sort());
    expect(body['output']).toEqual({ message: { role: 'assistant', content: [{ text: 'Echo: Weather in Paris?' }] } });
  });

  it.each([
    ['an unknown key id', { ...credentials, accessKeyId: 'AKIDOTHER' }, undefined, 'invalid_key'],
    ['a wrong secret', { ...credentials, secretAccessKey: 'wrong' }, undefined, 'signature_mismatch'],
    ['a body changed after signing', credentials, (text: string) => text.replace('Paris', 'Lyon!'), 'signature_mismatch'],
  ] as const)('refuses %s with the errors.json answer', async (_label, keys, tamper, errorCase) => {
    const response = await signedPost(`${modelPath}/converse`, hello, keys, tamper);
    const expected = errorsFixture[errorCase]!;
    expect(response.status).toBe(expected.status);
    expect(response.headers.get('x-amzn-errortype')).toBe(expected.headers['x-amzn-ErrorType']);
    expect(await response.json()).toEqual(expected.body);
  });

  it('accepts the Bedrock API key as a bearer token and refuses others and unsigned requests', async () => {
    expect((await post(`${modelPath}/converse`, hello, { authorization: 'Bearer ABSKgood' })).status).toBe(200);
    const wrong = await post(`${modelPath}/converse`, hello, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual(errorsFixture['bedrock_api_key_invalid']!.body);
    expect((await post(`${modelPath}/converse`, hello)).status).toBe(403);
  });
});

describe('mock Bedrock: Converse', () => {
  beforeEach(async () => {
    mock = await startMockBedrock();
  });

  it.each([
    ['a system role in messages', { messages: [{ role: 'system', content: [{ text: 'x' }] }, ...hello.messages] }, /role/],
    ['a conversation starting with the assistant', { messages: [{ role: 'assistant', content: [{ text: 'x' }] }] }, /start with a user message/],
    ['two user turns in a row', { messages: [...hello.messages, ...hello.messages] }, /alternate/],
    ['a block with two kinds', { messages: [{ role: 'user', content: [{ text: 'x', image: {} }] }] }, /exactly one/],
    [
      'a toolResult without its toolUse',
      { messages: [{ role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'x' }] } }] }], toolConfig: { tools: [weatherTool] } },
      /does not answer a toolUse/,
    ],
    [
      'tool history without toolConfig',
      {
        messages: [
          ...hello.messages,
          { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: {} } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ json: { ok: true } }] } }] },
        ],
      },
      /toolConfig field must be defined/,
    ],
  ])('refuses %s with a 400 ValidationException', async (_label, body, message) => {
    const response = await post(`${modelPath}/converse`, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^ValidationException/);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
  });

  it('answers a tool result with "Tool result received", and a forced tool choice with a toolUse', async () => {
    const afterTool = await post(`${modelPath}/converse`, {
      messages: [
        ...hello.messages,
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Paris' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ json: { temperature: 18 } }], status: 'success' } }] },
      ],
      toolConfig: { tools: [weatherTool] },
    });
    expect(((await afterTool.json()) as { output: unknown }).output).toEqual({
      message: { role: 'assistant', content: [{ text: 'Tool result received: {"temperature":18}' }] },
    });
    const forced = (await (await post(`${modelPath}/converse`, { ...hello, toolConfig: { tools: [weatherTool], toolChoice: { any: {} } } })).json()) as {
      output: { message: { content: Array<{ toolUse?: { name: string; input: unknown } }> } };
      stopReason: string;
    };
    expect(forced.stopReason).toBe('tool_use');
    expect(forced.output.message.content[0]!.toolUse).toMatchObject({ name: 'get_weather', input: { city: 'Weather in Paris?' } });
  });

  it('reports usage with the cached prompt left out of inputTokens, as Bedrock does', async () => {
    mock.enqueue({ reply: { content: 'ok', usage: { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 100 } } });
    const body = (await (await post(`${modelPath}/converse`, hello)).json()) as { usage: unknown };
    expect(body.usage).toEqual({ inputTokens: 20, outputTokens: 30, totalTokens: 150, cacheReadInputTokens: 100, cacheWriteInputTokens: 0 });
  });

  it('answers every errors.json case with its status, x-amzn-ErrorType and body', async () => {
    for (const name of ['invalid_key', 'rate_limit', 'model_not_ready', 'overloaded', 'model_timeout', 'model_error', 'context_length_exceeded'] as const) {
      mock.enqueue({ error: name });
      const response = await post(`${modelPath}/converse`, hello);
      const expected = errorsFixture[name]!;
      expect(response.status).toBe(expected.status);
      expect(response.headers.get('x-amzn-errortype')).toBe(expected.headers['x-amzn-ErrorType']);
      expect(await response.json()).toEqual(expected.body);
    }
  });

  it('embeds one text for Titan InvokeModel', async () => {
    const body = (await (await post('/model/amazon.titan-embed-text-v2%3A0/invoke', { inputText: 'hello', dimensions: 8 })).json()) as {
      embedding: number[];
      inputTextTokenCount: number;
    };
    expect(body.embedding).toHaveLength(8);
    expect(body.inputTextTokenCount).toBeGreaterThan(0);
  });
});

describe('mock Bedrock: ConverseStream', () => {
  beforeEach(async () => {
    mock = await startMockBedrock();
  });

  it('streams real event-stream frames, one write each, in Bedrock order with padding', async () => {
    const response = await post(`${modelPath}/converse-stream`, hello);
    expect(response.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const { bytes, chunks } = await readStream(response);
    const decoded = frames(bytes);
    expect(decoded.map((frame) => frame.headers[':event-type'])).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(decoded.every((frame) => frame.headers[':message-type'] === 'event' && typeof frame.payload['p'] === 'string')).toBe(true);
    expect(decoded.map((frame) => (frame.payload['delta'] as { text?: string } | undefined)?.text ?? '').join('')).toBe('Echo: Weather in Paris?');
    expect(chunks).toBeGreaterThanOrEqual(decoded.length - 1);
  });

  it('replays stream.eventstream.bin byte for byte, and the same bytes when split mid-frame', async () => {
    const expected = fixtureBytes('stream.eventstream.bin');
    mock.enqueue({ fixture: 'stream.eventstream.bin' }, { fixture: 'stream.eventstream.bin', stream: { splitBytes: true } }, { fixture: 'stream.eventstream.bin', stream: { splitBytes: 10 } });
    const whole = await readStream(await post(`${modelPath}/converse-stream`, hello));
    expect(whole.bytes.equals(expected)).toBe(true);
    const split = await readStream(await post(`${modelPath}/converse-stream`, hello));
    expect(split.bytes.equals(expected)).toBe(true);
    expect(split.chunks).toBeGreaterThan(12);
    const byTen = await readStream(await post(`${modelPath}/converse-stream`, hello));
    expect(byTen.bytes.equals(expected)).toBe(true);
  });

  it('ends with the fixture exception frame for midStreamError, and cuts the connection for cutAfterEvents', async () => {
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2 } });
    const broken = frames((await readStream(await post(`${modelPath}/converse-stream`, hello))).bytes);
    expect(broken).toHaveLength(3);
    expect(broken[2]!.headers).toEqual({ ':exception-type': 'throttlingException', ':content-type': 'application/json', ':message-type': 'exception' });
    expect(broken[2]!.payload).toEqual({ message: 'Too many tokens, please wait before trying again.' });

    mock.enqueue({ stream: { cutAfterEvents: 2 } });
    const response = await post(`${modelPath}/converse-stream`, hello);
    await expect(readStream(response)).rejects.toThrow();
    expect(mock.abortedCount).toBe(0);
  });

  it('counts a client that goes away from a hanging request as an abort', async () => {
    mock.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = post(`${modelPath}/converse-stream`, hello, {}, controller.signal).catch(() => undefined);
    await expect.poll(() => mock.requests.length).toBe(1);
    controller.abort();
    await pending;
    await mock.waitForAborts(1);
  });
});
