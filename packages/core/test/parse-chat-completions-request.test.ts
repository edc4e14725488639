import { describe, expect, it } from 'vitest';
import { GatewayError, parseChatCompletionsRequest } from '../src/index.js';

function invalid(body: unknown): GatewayError {
  try {
    parseChatCompletionsRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected the body to be refused');
}

describe('parseChatCompletionsRequest', () => {
  it('turns an OpenAI body into the canonical request', () => {
    const { request, includeStreamUsage } = parseChatCompletionsRequest({
      model: 'openai/gpt-4o-mini',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":18}' },
      ],
      max_tokens: 100,
      max_completion_tokens: 50,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      logit_bias: { '50256': -100 },
    });
    expect(includeStreamUsage).toBe(true);
    expect(request.maxOutputTokens).toBe(50);
    expect(request.stopSequences).toEqual(['END']);
    expect(request.messages[0]).toEqual({ role: 'system', content: 'Be brief.', developer: true });
    expect(request.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Hi' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'low' },
      ],
    });
    expect(request.messages[2]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    });
    expect(request.messages[3]).toEqual({ role: 'tool', toolCallId: 'call_1', content: '{"temperature":18}' });
    expect(request.toolChoice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(request.responseFormat).toEqual({ type: 'json-schema', name: 'out', schema: { type: 'object' }, strict: true });
    // Parameters newer than the gateway travel on to OpenAI-compatible upstreams.
    expect(request.providerOptions).toEqual({ openai: { logit_bias: { '50256': -100 } } });
  });

  it('a tool message of several text parts is one text, the parts on their own lines (as the Messages route joins a tool_result\'s)', () => {
    const { request } = parseChatCompletionsRequest({
      model: 'm',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'line one' }, { type: 'text', text: 'line two' }] },
      ],
    });
    expect(request.messages[2]).toEqual({ role: 'tool', toolCallId: 'call_1', content: 'line one\nline two' });
  });

  it("joins a system or developer message's text parts on their own lines, as a tool message's (run together, 'You are terse.Answer in French.')", () => {
    const { request } = parseChatCompletionsRequest({
      model: 'm',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Answer in French.' }] },
        { role: 'developer', content: [{ type: 'text', text: 'No lists.' }, { type: 'text', text: 'No emoji.' }] },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(request.messages[0]).toEqual({ role: 'system', content: 'You are terse.\nAnswer in French.' });
    expect(request.messages[1]).toEqual({ role: 'system', content: 'No lists.\nNo emoji.', developer: true });
  });

  it('passes provider_options on, unknown top-level fields under openai (an openai option the client set wins), and none without either', () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    expect(parseChatCompletionsRequest({ model: 'm', messages }).request).not.toHaveProperty('providerOptions');
    expect(parseChatCompletionsRequest({ model: 'm', messages, provider_options: {} }).request).not.toHaveProperty('providerOptions');
    const { request } = parseChatCompletionsRequest({
      model: 'm',
      messages,
      logprobs: true,
      top_logprobs: 2,
      provider_options: { openai: { top_logprobs: 5 }, anthropic: { thinking: true } },
    });
    expect(request.providerOptions).toEqual({ openai: { logprobs: true, top_logprobs: 5 }, anthropic: { thinking: true } });
  });

  it('does not report stream usage when the client did not ask for it', () => {
    const { includeStreamUsage } = parseChatCompletionsRequest({ model: 'm/x', messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(includeStreamUsage).toBe(false);
  });

  it.each([
    [{ messages: [{ role: 'user', content: 'x' }] }, 'model', /is required/],
    [{ model: 'm/x', messages: [] }, 'messages', /at least 1 item/],
    [{ model: 'm/x', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', /expected one of/],
    [{ model: 'm/x', messages: [{ role: 'user', content: 42 }] }, 'messages[0].content', /expected string or array/],
    [{ model: 'm/x', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }, 'temperature', /expected number or null/],
    [{ model: 'm/x', messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature', /<= 2/],
    [{ model: 'm/x', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', /is required/],
    [{ model: 'm/x', messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice.function.name', /no tool named 'nope'/],
    [{ model: 'm/x', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] }] }, 'messages[0].content[0].image_url.url', /http\(s\) URL/],
  ])('refuses a bad body and names the field (%#)', (body, param, message) => {
    const error = invalid(body);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });

  it("keeps a user message's file and audio parts for the fast path only: counted in the prompt estimate, refused to translation naming the first", () => {
    const file = { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } };
    const parsed = parseChatCompletionsRequest({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Sum up.' }, file, { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }],
    });
    expect(parsed.request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Sum up.' }] }]);
    expect(parsed.request.fastPathOnlyPromptTokens).toBeGreaterThan(JSON.stringify(file).length / 4);
    expect(parsed.translationRefusal).toMatchObject({ code: 'invalid_request', status: 400, param: 'messages[0].content[1].type' });
    expect(parseChatCompletionsRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).translationRefusal).toBeUndefined();
    expect(invalid({ model: 'm', messages: [{ role: 'user', content: [{ type: 'file' }] }] }).param).toBe('messages[0].content[0].file');
  });

  it('keeps custom tools, a custom tool choice and custom calls in the history for the fast path only: out of the canonical request, counted, refused to translation naming the first', () => {
    const sqlTool = { type: 'custom', custom: { name: 'run_sql', format: { type: 'grammar', grammar: { syntax: 'lark', definition: 'start: "SELECT 1"' } } } };
    const weather = { type: 'function', function: { name: 'get_weather' } };
    const parsed = parseChatCompletionsRequest({
      model: 'openai/gpt-5',
      messages: [
        { role: 'user', content: 'Count.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'custom', custom: { name: 'run_sql', input: 'SELECT 1' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '1' },
      ],
      tools: [weather, sqlTool],
      tool_choice: { type: 'custom', custom: { name: 'run_sql' } },
    });
    expect(parsed.request.tools).toEqual([{ name: 'get_weather', parameters: { type: 'object', properties: {} } }]);
    expect(parsed.request.toolChoice).toBeUndefined();
    expect(parsed.request.messages[1]).toEqual({ role: 'assistant', content: [] });
    expect(parsed.request.fastPathOnlyPromptTokens).toBeGreaterThan(JSON.stringify(sqlTool).length / 4);
    expect(parsed.translationRefusal).toMatchObject({ code: 'invalid_request', status: 400, param: 'messages[1].tool_calls[0].type' });
    const allowed = parseChatCompletionsRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      tools: [weather, sqlTool],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'custom', custom: { name: 'run_sql' } }, { type: 'function', function: { name: 'get_weather' } }] } },
    });
    expect(allowed.request.toolChoice).toEqual({ type: 'required' });
    expect(allowed.translationRefusal).toMatchObject({ param: 'tools[1].type' });
    expect(invalid({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [weather], tool_choice: { type: 'custom', custom: { name: 'get_weather' } } }).param).toBe('tool_choice.custom.name');
  });

  it('refuses a body that is not an object', () => {
    const error = invalid(['model']);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/expected object/);
  });
});
