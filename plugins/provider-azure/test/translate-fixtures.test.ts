import type { StreamPart, UpstreamErrorResponse } from '@switchyard/core';
import { decodeSseStream, GatewayError } from '@switchyard/core';
import { readFixture, readFixtureJson, streamedText } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createOpenAIStreamDecoder } from '@switchyard/provider-openai';
import { createAzureStreamDecoder, mapAzureError, parseAzureCompletion } from '../src/index.js';

const fixtures = 'azure-openai';

async function decodeFixture(file: string, splitAt?: number): Promise<StreamPart[]> {
  const decoder = createAzureStreamDecoder('azure');
  const parts: StreamPart[] = [];
  const wire = Buffer.from(readFixture(fixtures, file), 'utf8');
  async function* bytes() {
    if (splitAt === undefined) yield wire;
    else for (let at = 0; at < wire.length; at += splitAt) yield wire.subarray(at, at + splitAt);
  }
  for await (const event of decodeSseStream(bytes())) parts.push(...decoder.decode(event));
  parts.push(...decoder.end());
  return parts;
}


describe('Azure response translation', () => {
  it('reads response.json: text, finish, usage and the filter verdicts as provider metadata', () => {
    const fixture = readFixtureJson<{ prompt_filter_results: unknown; choices: Array<{ content_filter_results: unknown }> }>(fixtures, 'response.json');
    const response = parseAzureCompletion(fixture, 'azure');
    expect(response.content).toEqual([{ type: 'text', text: "It's currently 18°C and partly cloudy in Paris." }]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'stop' });
    expect(response.usage).toEqual({ inputTokens: 121, outputTokens: 14 });
    expect(response.model).toBe('gpt-4o-mini-2024-07-18');
    expect(response.id).toBe('chatcmpl-CFb7kR2nW9xT4vQ8mL1pZs3YcH6Jd');
    expect(response.providerMetadata?.['azure']).toEqual({
      prompt_filter_results: fixture.prompt_filter_results,
      content_filter_results: fixture.choices[0]!.content_filter_results,
    });
    expect(response.providerMetadata?.['openai']).toEqual({ system_fingerprint: 'fp_efad92c60b' });
  });

  it('reads response-tool-call.json: the tool call with id and arguments verbatim', () => {
    const response = parseAzureCompletion(readFixtureJson(fixtures, 'response-tool-call.json'), 'azure');
    expect(response.finishReason).toEqual({ unified: 'tool-calls', raw: 'tool_calls' });
    expect(response.content).toEqual([
      { type: 'tool-call', id: 'call_Qm3vX8kT2pR9wN4sL7cY1dZb', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    ]);
    expect(response.usage).toEqual({ inputTokens: 92, outputTokens: 18 });
  });

  it('reads an answer stopped by the output filter as content-filter, with or without a message', () => {
    const withMessage = readFixtureJson<Record<string, unknown> & { choices: Array<Record<string, unknown>> }>(fixtures, 'response.json');
    withMessage.choices[0]!['finish_reason'] = 'content_filter';
    withMessage.choices[0]!['message'] = { role: 'assistant', content: null };
    expect(parseAzureCompletion(withMessage, 'azure').finishReason).toEqual({ unified: 'content-filter', raw: 'content_filter' });

    const { message: _message, ...bare } = withMessage.choices[0]!;
    const response = parseAzureCompletion({ ...withMessage, choices: [bare] }, 'azure');
    expect(response.finishReason.unified).toBe('content-filter');
    expect(response.content).toEqual([]);
  });

  it('still refuses an answer without any choice', () => {
    expect(() => parseAzureCompletion({ id: 'x', choices: [] }, 'azure')).toThrow(GatewayError);
  });
});

describe('Azure stream translation', () => {
  it('decodes stream.txt: skips the filter-only first chunk, text, one tool call, finish and usage', async () => {
    const parts = await decodeFixture('stream.txt');
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'chatcmpl-CFb7mT8vN2qX5wR1kP9sLc4YzJ3Hd', model: 'gpt-4o-mini-2024-07-18', created: 1764072005 });
    expect(parts.filter((part) => part.type === 'stream-start')).toHaveLength(1);
    expect(streamedText(parts)).toBe("I'll check the current weather in Paris.");
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_Qm3vX8kT2pR9wN4sL7cY1dZb', name: 'get_weather' },
    ]);
    const args = parts.flatMap((part) => (part.type === 'tool-call-delta' ? [part.argumentsDelta] : [])).join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 92, outputTokens: 27 } });
  });

  it('needs its own decoder: the plain OpenAI one would start the stream from the filter-only chunk', () => {
    const first = readFixture(fixtures, 'stream.txt').split('\n\n')[0]!.replace(/^data: /, '');
    expect(createOpenAIStreamDecoder('azure').decode({ event: undefined, id: undefined, data: first })).toEqual([
      { type: 'stream-start', id: '', model: '', created: 0 },
    ]);
    expect(createAzureStreamDecoder('azure').decode({ event: undefined, id: undefined, data: first })).toEqual([]);
  });

  it('keeps the prompt filter verdict of the first chunk on stream-start', async () => {
    const parts = await decodeFixture('stream.txt');
    const start = parts[0] as Extract<StreamPart, { type: 'stream-start' }>;
    const verdict = start.providerMetadata?.['azure']?.['prompt_filter_results'] as Array<{ prompt_index: number }>;
    expect(verdict[0]!.prompt_index).toBe(0);
  });

  it('decodes stream-text-only.txt, also when the network splits it into 7-byte pieces', async () => {
    for (const split of [undefined, 7]) {
      const parts = await decodeFixture('stream-text-only.txt', split);
      expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'chatcmpl-CFb7nW4qK8vR2xT6mN1pLs9YcB5Jd' });
      expect(streamedText(parts)).toBe("It's currently 18°C and partly cloudy in Paris.");
      expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } });
      expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 121, outputTokens: 14 } });
    }
  });

  it('tolerates annotation-only chunks after the text (asynchronous filtering)', () => {
    const decoder = createAzureStreamDecoder('azure');
    const event = (data: unknown) => ({ event: undefined, id: undefined, data: JSON.stringify(data) });
    const parts = [
      ...decoder.decode(event({ choices: [{ delta: { content: 'Hi' }, finish_reason: null, index: 0 }], created: 1, id: 'chatcmpl-1', model: 'm', object: 'chat.completion.chunk' })),
      ...decoder.decode(event({ choices: [{ content_filter_offsets: { check_offset: 0, start_offset: 0, end_offset: 2 }, content_filter_results: {}, finish_reason: null, index: 0 }], created: 1, id: 'chatcmpl-1', model: 'm', object: '' })),
      ...decoder.decode(event({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [] })),
      ...decoder.decode(event({ choices: [{ delta: {}, finish_reason: 'content_filter', index: 0, content_filter_results: { violence: { filtered: true, severity: 'medium' } } }], created: 1, id: 'chatcmpl-1', model: 'm', object: 'chat.completion.chunk' })),
      ...decoder.decode({ event: undefined, id: undefined, data: '[DONE]' }),
      ...decoder.end(),
    ];
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'finish']);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'content-filter', raw: 'content_filter' } });
  });

  it('fails a stream that ends before it finished', () => {
    const decoder = createAzureStreamDecoder('azure');
    decoder.decode({ event: undefined, id: undefined, data: readFixture(fixtures, 'stream.txt').split('\n\n')[0]!.replace(/^data: /, '') });
    expect(() => decoder.end()).toThrow(GatewayError);
  });

  it('turns an in-stream Azure error envelope into a retryable server error', () => {
    const decoder = createAzureStreamDecoder('azure');
    const data = JSON.stringify({ error: { code: 'InternalServerError', message: 'Backend returned unexpected response.' } });
    expect(() => decoder.decode({ event: undefined, id: undefined, data })).toThrow(expect.objectContaining({ code: 'upstream_server_error', retryable: true }));
  });
});

describe('Azure error mapping', () => {
  const cases = readFixtureJson<Record<string, { status: number; headers: Record<string, string>; body: unknown }>>(fixtures, 'errors.json');
  const response = (name: string, headers: Record<string, string> = {}): UpstreamErrorResponse => ({
    status: cases[name]!.status,
    headers: { ...cases[name]!.headers, ...headers },
    bodyText: JSON.stringify(cases[name]!.body),
  });

  it.each([
    ['invalid_key', 'upstream_authentication_failed', 401, false],
    ['permission_denied', 'upstream_permission_denied', 403, false],
    ['deployment_not_found', 'upstream_not_found', 404, false],
    ['rate_limit', 'rate_limit_exceeded', 429, true],
    ['server_error', 'upstream_server_error', 502, true],
    ['overloaded', 'upstream_overloaded', 503, true],
    ['bad_request', 'upstream_bad_request', 400, false],
    ['content_filter_prompt', 'content_filter', 400, false],
    ['context_length_exceeded', 'context_length_exceeded', 400, false],
  ])('maps %s to %s (%i, retryable %s)', (name, code, status, retryable) => {
    const error = mapAzureError('azure', response(name));
    expect(error).toMatchObject({ code, status, retryable, upstreamStatus: cases[name]!.status, provider: 'azure' });
  });

  it('covers every case of errors.json', () => {
    const mapped = ['invalid_key', 'permission_denied', 'deployment_not_found', 'rate_limit', 'server_error', 'overloaded', 'bad_request', 'content_filter_prompt', 'context_length_exceeded'];
    expect(Object.keys(cases).filter((key) => !key.startsWith('_')).sort()).toEqual([...mapped].sort());
  });

  it('names the filtered categories of a blocked prompt', () => {
    const error = mapAzureError('azure', response('content_filter_prompt'));
    expect(error.message).toMatch(/content filter/);
    expect(error.message).toContain('violence: medium');
    expect(error.message).not.toMatch(/hate|sexual|self_harm/);
    expect(error.param).toBe('prompt');
    expect(error.toBody().error.code).toBe('content_filter');
  });

  it('names a detected jailbreak, which has no severity', () => {
    const body = structuredClone(cases['content_filter_prompt']!.body) as { error: { innererror: { content_filter_result: Record<string, unknown> } } };
    body.error.innererror.content_filter_result['jailbreak'] = { filtered: true, detected: true };
    const error = mapAzureError('azure', { status: 400, headers: {}, bodyText: JSON.stringify(body) });
    expect(error.message).toContain('jailbreak');
  });

  it('never repeats the upstream message of an authentication failure', () => {
    expect(mapAzureError('azure', response('invalid_key')).message).not.toMatch(/subscription key/);
  });

  it('says why access was denied', () => {
    expect(mapAzureError('azure', response('permission_denied')).message).toContain('private endpoint');
  });

  it('keeps the upstream message of a missing deployment', () => {
    expect(mapAzureError('azure', response('deployment_not_found')).message).toContain('deployment');
  });

  it("never repeats a rate limit's message, which names the resource's pricing tier", () => {
    expect(mapAzureError('azure', response('rate_limit')).message).toBe('azure is rate limiting requests.');
  });

  it('honours retry-after-ms first, then retry-after', () => {
    expect(mapAzureError('azure', response('rate_limit')).retryAfterSeconds).toBe(6);
    const secondsOnly = { ...cases['rate_limit']!.headers, 'retry-after': '2' } as Record<string, string>;
    delete secondsOnly['retry-after-ms'];
    expect(mapAzureError('azure', { ...response('rate_limit'), headers: secondsOnly }).retryAfterSeconds).toBe(2);
  });

  it('maps a non-JSON 502 by its status', () => {
    expect(mapAzureError('azure', { status: 502, headers: {}, bodyText: '<html>Bad Gateway</html>' })).toMatchObject({ code: 'upstream_server_error', retryable: true });
  });
});
