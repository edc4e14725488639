import { defaultIngressLimits, GatewayError, type IngressRequestInfo } from '@switchyard/core';
import { readFixtureJson } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { parseGenerateContentRequest } from '../src/index.js';

// Found where every other fixture test finds them: shared/ beside the clone, or SWITCHYARD_FIXTURES_DIR.
const fixture = (name: string) => readFixtureJson<Record<string, unknown>>('gemini', name);
const at = (model = 'flash', route = 'generateContent', query: Record<string, unknown> = {}): IngressRequestInfo => ({ route, params: { model }, query });

function refusal(body: unknown, request: IngressRequestInfo = at()): GatewayError {
  try {
    parseGenerateContentRequest(body, defaultIngressLimits, request);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseGenerateContentRequest', () => {
  it("reads the recorded request fixture: system instruction, tools, tool config, generation config and thinking budget", () => {
    const { request } = parseGenerateContentRequest(fixture('request.json'), defaultIngressLimits, at('models/gemini-2.5-flash'));
    expect(request).toMatchObject({
      model: 'gemini-2.5-flash',
      stream: false,
      messages: [
        { role: 'system', content: 'You are a concise weather assistant. Answer in one sentence.' },
        { role: 'user', content: [{ type: 'text', text: "What's the weather in Paris right now?" }] },
      ],
      tools: [{ name: 'get_weather', description: 'Get the current weather for a city.' }],
      toolChoice: { type: 'auto' },
      temperature: 0.2,
      maxOutputTokens: 1024,
      stopSequences: ['\n\nUser:'],
      candidateCount: 1,
      reasoningEffort: 'low',
    });
  });

  it('matches a function result without ids to the call of that name, as Gemini does', () => {
    const { request } = parseGenerateContentRequest(fixture('request-tools-result.json'), defaultIngressLimits, at());
    const call = request.messages.find((message) => message.role === 'assistant');
    const result = request.messages.find((message) => message.role === 'tool');
    expect(call).toMatchObject({ content: [{ type: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' }] });
    const callId = (call as { content: Array<{ id: string }> }).content[0]!.id;
    expect(result).toEqual({ role: 'tool', toolCallId: callId, content: '{"city":"Paris","temperature":18,"unit":"celsius","condition":"partly cloudy"}' });
  });

  it('reads inline and file images from the vision fixture', () => {
    const body = fixture('request-vision.json');
    const { request } = parseGenerateContentRequest(body, defaultIngressLimits, at());
    const parts = (request.messages.at(-1) as { content: Array<{ type: string }> }).content;
    expect(parts.some((part) => part.type === 'image')).toBe(true);
  });

  it('streams only on the streaming route with alt=sse', () => {
    expect(parseGenerateContentRequest(fixture('request.json'), defaultIngressLimits, at('flash', 'streamGenerateContent', { alt: 'sse' })).request.stream).toBe(true);
    expect(refusal(fixture('request.json'), at('flash', 'streamGenerateContent', { alt: ['sse', 'sse'] }))).toMatchObject({ code: 'invalid_request', param: 'alt' });
  });

  const hostile: Array<[string, unknown, IngressRequestInfo?]> = [
    ['no model in the URL', { contents: [{ parts: [{ text: 'x' }] }] }, { route: 'generateContent', params: {}, query: {} }],
    ['a model of control characters', { contents: [{ parts: [{ text: 'x' }] }] }, at('a\u0000b')],
    ['contents that are not a list', { contents: 'hello' }],
    ['an empty contents list', { contents: [] }],
    ['a turn with no parts', { contents: [{ role: 'user', parts: [] }] }],
    ['an unknown role', { contents: [{ role: 'system', parts: [{ text: 'x' }] }] }],
    ['an unknown part', { contents: [{ parts: [{ executableCode: { code: 'rm -rf /' } }] }] }],
    ['a functionResponse that answers no call', { contents: [{ parts: [{ functionResponse: { name: 'f', response: {} } }] }] }],
    ['a non-image inline blob', { contents: [{ parts: [{ inlineData: { mimeType: 'application/pdf', data: 'AA==' } }] }] }],
    ['a file URI that is not http(s)', { contents: [{ parts: [{ fileData: { mimeType: 'image/png', fileUri: 'file:///etc/passwd' } }] }] }],
    ['a temperature of 1e308', { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { temperature: 1e308 } }],
    ['a fractional maxOutputTokens', { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { maxOutputTokens: 1.5 } }],
    ['a string temperature', { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { temperature: '1' } }],
    ['100 stop sequences', { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { stopSequences: Array.from({ length: 100 }, () => 'x') } }],
    ['a googleSearch tool', { contents: [{ parts: [{ text: 'x' }] }], tools: [{ googleSearch: {} }] }],
    ['a function name with spaces', { contents: [{ parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{ name: 'rm -rf' }] }] }],
    ['an unknown calling mode', { contents: [{ parts: [{ text: 'x' }] }], toolConfig: { functionCallingConfig: { mode: 'ALWAYS' } } }],
    ['more turns than limits.max_messages', { contents: Array.from({ length: 4097 }, () => ({ parts: [{ text: 'x' }] })) }],
    ['a body that is a string', '"hello"'],
    ['null', null],
  ];
  it.each(hostile)('refuses %s with a 400 invalid_request, never a crash', (_name, body, request) => {
    const error = refusal(body, request ?? at());
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    // The client's own strings are not echoed back (a model name may be megabytes of anything).
    expect(error.message).not.toContain('rm -rf /');
  });
});
