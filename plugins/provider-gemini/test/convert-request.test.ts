import type { ChatRequest } from '@switchyard/core';
import { GatewayError, parseChatCompletionsRequest } from '@switchyard/core';
import { describe, expect, it, vi } from 'vitest';
import gemini, { buildGenerateContentBody, convertJsonSchemaForGemini, type GeminiChatAdapter, type GenerateContentBodySettings } from '../src/index.js';

const settings: GenerateContentBodySettings = { provider: 'gemini', responseSchemaField: 'responseJsonSchema' };

function canonical(body: Record<string, unknown>): ChatRequest {
  return parseChatCompletionsRequest({ model: 'gemini/gemini-2.5-flash', ...body }).request;
}

function build(body: Record<string, unknown>, overrides: Partial<typeof settings> & { safetySettings?: unknown[] } = {}) {
  return buildGenerateContentBody(canonical(body), { ...settings, ...overrides });
}

const user = (content: unknown) => ({ role: 'user', content });

describe('convertJsonSchemaForGemini', () => {
  it('inlines $ref into $defs (and draft-07 definitions), the referring description winning', () => {
    const { schema, removed } = convertJsonSchemaForGemini({
      type: 'object',
      properties: {
        home: { $ref: '#/$defs/Address', description: 'Where they live' },
        work: { $ref: '#/definitions/Address' },
      },
      $defs: { Address: { type: 'object', description: 'An address', properties: { city: { type: 'string' } }, required: ['city'] } },
      definitions: { Address: { type: 'object', properties: { street: { type: 'string' } } } },
    });
    expect(schema).toEqual({
      type: 'object',
      properties: {
        home: { type: 'object', description: 'Where they live', properties: { city: { type: 'string' } }, required: ['city'] },
        work: { type: 'object', properties: { street: { type: 'string' } } },
      },
    });
    expect(removed).toEqual([]);
  });

  it('cuts a recursive $ref after one level and reports it', () => {
    const { schema, removed } = convertJsonSchemaForGemini({
      $ref: '#/$defs/Node',
      $defs: { Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } } } },
    });
    expect(schema).toEqual({
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { type: 'object' } } },
    });
    expect(removed).toEqual(['/properties/children/items/$ref']);
  });

  it('turns X | null into X with nullable, in anyOf, oneOf and type-array spellings', () => {
    const { schema, removed } = convertJsonSchemaForGemini({
      type: 'object',
      properties: {
        a: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'Optional a' },
        b: { oneOf: [{ type: 'null' }, { $ref: '#/$defs/B' }] },
        c: { type: ['integer', 'null'] },
        d: { type: 'string', enum: ['x', 'y', null] },
      },
      $defs: { B: { type: 'number' } },
    });
    expect(schema['properties']).toEqual({
      a: { type: 'string', description: 'Optional a', nullable: true },
      b: { type: 'number', nullable: true },
      c: { type: 'integer', nullable: true },
      d: { type: 'string', enum: ['x', 'y'], nullable: true },
    });
    expect(removed).toEqual([]);
  });

  it('keeps real alternatives as anyOf (oneOf becomes anyOf) and spells several types as anyOf', () => {
    const { schema } = convertJsonSchemaForGemini({
      oneOf: [
        { type: 'object', properties: { kind: { const: 'circle' }, radius: { type: 'number' } } },
        { type: 'object', properties: { kind: { const: 'square' }, side: { type: 'number' } } },
      ],
      properties: { id: { type: ['string', 'integer'] } },
    });
    expect(schema['anyOf']).toEqual([
      { type: 'object', properties: { kind: { type: 'string', enum: ['circle'] }, radius: { type: 'number' } } },
      { type: 'object', properties: { kind: { type: 'string', enum: ['square'] }, side: { type: 'number' } } },
    ]);
    expect(schema['properties']).toEqual({ id: { anyOf: [{ type: 'string' }, { type: 'integer' }] } });
  });

  it('merges allOf into one schema', () => {
    const { schema } = convertJsonSchemaForGemini({
      allOf: [{ $ref: '#/$defs/Base' }, { type: 'object', properties: { extra: { type: 'boolean' } }, required: ['extra'] }],
      $defs: { Base: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    });
    expect(schema).toEqual({
      type: 'object',
      properties: { id: { type: 'string' }, extra: { type: 'boolean' } },
      required: ['id', 'extra'],
    });
  });

  it('removes the keywords Gemini refuses and reports each one by pointer', () => {
    const { schema, removed } = convertJsonSchemaForGemini({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'Lookup',
      type: 'object',
      additionalProperties: false,
      properties: {
        email: { type: 'string', format: 'email', pattern: '^.+@.+$' },
        when: { type: 'string', format: 'date-time', default: '2025-01-01T00:00:00Z', examples: ['2025-01-01T00:00:00Z'] },
        count: { type: 'integer', format: 'int32', minimum: 1, exclusiveMaximum: 10, const: 3 },
        tags: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, maxItems: 5 },
      },
      required: ['email', 'ghost'],
    });
    expect(schema).toEqual({
      title: 'Lookup',
      type: 'object',
      properties: {
        email: { type: 'string' },
        when: { type: 'string', format: 'date-time' },
        count: { type: 'integer', format: 'int32', minimum: 1 },
        tags: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 5 },
      },
      required: ['email'],
    });
    expect(removed.sort()).toEqual(
      [
        '/$schema',
        '/additionalProperties',
        '/properties/email/format',
        '/properties/email/pattern',
        '/properties/when/default',
        '/properties/when/examples',
        '/properties/count/exclusiveMaximum',
        '/properties/count/const',
        '/properties/tags/uniqueItems',
        '/required',
      ].sort(),
    );
  });
});

describe('convertJsonSchemaForGemini: schemas that inlining would make too large or too deep', () => {
  /** `n` definitions, each used `uses` times by the one before: the root's property comes to usesⁿ copies of the last once inlined. */
  function fanOut(n: number, uses: number): Record<string, unknown> {
    const defs: Record<string, unknown> = {};
    for (let at = 0; at < n; at++) {
      defs[`A${at}`] = { type: 'object', properties: Object.fromEntries(Array.from({ length: uses }, (_, use) => [`p${use}`, { $ref: `#/$defs/A${at + 1}` }])) };
    }
    defs[`A${n}`] = { type: 'string' };
    return { type: 'object', properties: { x: { $ref: '#/$defs/A0' } }, $defs: defs };
  }
  const refusal = (convert: () => unknown) => {
    try {
      convert();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('refuses definitions that double at each use (2¹⁸ copies from 1.7 KB: 4.7 s and 15 MB) with invalid_request, before making them', () => {
    const schema = fanOut(18, 2);
    expect(JSON.stringify(schema).length).toBeLessThan(2000);
    const error = refusal(() => convertJsonSchemaForGemini(schema));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, param: 'tools' });
    expect((error as Error).message).toContain('25,000 schema objects');
  });

  it('refuses a chain of definitions deeper than 64 once inlined (5,000 overflowed the stack: a 500), and a chain of aliases', () => {
    const chain = fanOut(5000, 1);
    expect(refusal(() => convertJsonSchemaForGemini(chain))).toMatchObject({ code: 'invalid_request', status: 400, message: expect.stringContaining('deeper than 64 levels') });
    const defs = Object.fromEntries(Array.from({ length: 5000 }, (_, at) => [`A${at}`, { $ref: `#/$defs/A${at + 1}` }]));
    const aliases = { type: 'object', properties: { x: { $ref: '#/$defs/A0' } }, $defs: { ...defs, A5000: { type: 'string' } } };
    expect(refusal(() => convertJsonSchemaForGemini(aliases))).toMatchObject({ code: 'invalid_request', status: 400 });
  });

  it('still converts what real schemas hold: a chain of 20 definitions, definitions used a few times, 5,000 properties without references', () => {
    expect(convertJsonSchemaForGemini(fanOut(20, 1)).schema).toMatchObject({ properties: { x: { properties: { p0: { properties: { p0: { type: 'object' } } } } } } });
    expect(refusal(() => convertJsonSchemaForGemini(fanOut(6, 4)))).toBeUndefined();
    const wide = { type: 'object', properties: Object.fromEntries(Array.from({ length: 5000 }, (_, at) => [`p${at}`, { type: 'string' }])) };
    expect(Object.keys(convertJsonSchemaForGemini(wide).schema['properties'] as object)).toHaveLength(5000);
  });

  /** One definition whose property name is `nameLength` characters, used by `uses` properties. */
  function longNameUsedOften(uses: number, nameLength: number): Record<string, unknown> {
    const properties = Object.fromEntries(Array.from({ length: uses }, (_, at) => [`p${at}`, { $ref: '#/$defs/D' }]));
    return { type: 'object', $defs: { D: { type: 'object', description: 'd', properties: { ['n'.repeat(nameLength)]: { type: 'string' } } } }, properties };
  }

  it.each([
    [2000, 'a 157 KB schema that made a 200 MB body for Gemini'],
    [8000, 'a 331 KB schema whose 800 MB body could not be written (14 s of CPU, then a 500)'],
  ])('refuses a 100,000-character name in a definition used %i times (%s) with invalid_request, before making the copies', (uses) => {
    const schema = longNameUsedOften(uses, 100_000);
    const error = refusal(() => convertJsonSchemaForGemini(schema));
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, param: 'tools' });
    expect((error as Error).message).toContain('4,000,000 characters');
  });

  it('still converts a definition of long texts used a few times, and a 3 MB schema without references', () => {
    expect(refusal(() => convertJsonSchemaForGemini(longNameUsedOften(30, 100_000)))).toBeUndefined();
    const described = { type: 'object', properties: Object.fromEntries(Array.from({ length: 300 }, (_, at) => [`p${at}`, { type: 'string', description: 'd'.repeat(10_000) }])) };
    expect(refusal(() => convertJsonSchemaForGemini(described))).toBeUndefined();
  });

  it('reads a $ref that is not valid percent-encoding as one that names nothing (it threw URIError: a 500)', () => {
    const { schema, removed } = convertJsonSchemaForGemini({ type: 'object', properties: { a: { $ref: '#/%E0%A4%A' } } });
    expect(schema).toEqual({ type: 'object', properties: { a: { type: 'object' } } });
    expect(removed).toEqual(['/properties/a/$ref']);
  });

  it('counts every schema of a request against one budget: tools that fit one by one but not together are refused, naming tools; a response format past what is left, response_format', () => {
    const budget = { remaining: 1_000_000, remainingChars: Infinity };
    convertJsonSchemaForGemini(fanOut(8, 2), budget);
    const perSchema = 1_000_000 - budget.remaining;
    const fitting = Math.floor(25_000 / perSchema);
    expect(fitting).toBeGreaterThan(1);
    expect(fitting).toBeLessThan(128);
    const tools = Array.from({ length: fitting + 1 }, (_, at) => ({ type: 'function', function: { name: `t${at}`, parameters: fanOut(8, 2) } }));
    expect(refusal(() => build({ messages: [user('hi')], tools: tools.slice(0, fitting) }))).toBeUndefined();
    expect(refusal(() => build({ messages: [user('hi')], tools }))).toMatchObject({ code: 'invalid_request', param: 'tools' });
    const responseFormat = { type: 'json_schema', json_schema: { name: 'r', schema: fanOut(8, 2) } };
    expect(refusal(() => build({ messages: [user('hi')], tools: tools.slice(0, fitting), response_format: responseFormat }, { responseSchemaField: 'responseSchema' }))).toMatchObject({
      code: 'invalid_request',
      param: 'response_format',
    });
  });
});

describe('buildGenerateContentBody', () => {
  it('reports what the tool schemas lost as warnings, and the chat adapter logs them on the call', () => {
    const tool = {
      type: 'function',
      function: { name: 'lookup', parameters: { type: 'object', additionalProperties: false, properties: { q: { type: 'string', pattern: '.+' } } } },
    };
    const { body, warnings } = build({ messages: [user('hi')], tools: [tool] });
    expect(warnings).toEqual(['tools[lookup].parameters: removed /additionalProperties, /properties/q/pattern']);
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }] }]);

    const chat = gemini({ api_key: 'k' }).build().chat as GeminiChatAdapter;
    const warn = vi.fn();
    chat.buildRequest(canonical({ messages: [user('hi')], tools: [tool] }), 'gemini-2.5-flash', { logger: { warn } as never });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toEqual({ provider: 'gemini', warnings });
  });

  it('leaves out the parameters of a function without arguments (Gemini refuses an empty OBJECT)', () => {
    const { body } = build({ messages: [user('hi')], tools: [{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }] });
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'now' }] }]);
  });

  it.each([
    ['none', { mode: 'NONE' }],
    ['auto', { mode: 'AUTO' }],
    ['required', { mode: 'ANY' }],
    [{ type: 'function', function: { name: 'get_time' } }, { mode: 'ANY', allowedFunctionNames: ['get_time'] }],
  ])('maps tool_choice %j to functionCallingConfig %j', (toolChoice, config) => {
    const tools = [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    expect(build({ messages: [user('hi')], tools, tool_choice: toolChoice }).body.toolConfig).toEqual({ functionCallingConfig: config });
  });

  it('merges consecutive turns of one role, hoists every system message and calls the assistant "model"', () => {
    const { body } = build({
      messages: [
        { role: 'system', content: 'One.' },
        user('a'),
        user([{ type: 'text', text: 'b' }]),
        { role: 'assistant', content: 'c' },
        { role: 'developer', content: 'Two.' },
        { role: 'assistant', content: 'd' },
        user('e'),
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'One.' }, { text: 'Two.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }, { text: 'd' }] },
      { role: 'user', parts: [{ text: 'e' }] },
    ]);
  });

  it('sends parallel tool results in one user turn after the call turn; text results are wrapped as {content}', () => {
    const { body } = build({
      messages: [
        user('Paris weather and time?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_2', content: '14:05' },
        { role: 'tool', tool_call_id: 'call_1', content: '[18, "cloudy"]' },
        user('Thanks'),
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Paris weather and time?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }] },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
          { functionResponse: { name: 'get_weather', response: { content: '[18, "cloudy"]' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
  });

  it('answers parallel calls that share an id (a client\'s bug) in order, each result under its own call\'s name; a later turn\'s call of that id takes the later results', () => {
    const calls = (...names: string[]) => ({ role: 'assistant', content: null, tool_calls: names.map((name) => ({ id: 'dup', type: 'function', function: { name, arguments: '{}' } })) });
    const { body } = build({
      messages: [
        user('Weather and time?'),
        calls('get_weather', 'get_time'),
        { role: 'tool', tool_call_id: 'dup', content: 'sunny' },
        { role: 'tool', tool_call_id: 'dup', content: '14:05' },
        user('And the date?'),
        calls('get_date'),
        { role: 'tool', tool_call_id: 'dup', content: 'Monday' },
      ],
    });
    const responses = body.contents.flatMap((content) => content.parts.flatMap((part) => ('functionResponse' in part ? [part.functionResponse] : [])));
    expect(responses).toEqual([
      { name: 'get_weather', response: { content: 'sunny' } },
      { name: 'get_time', response: { content: '14:05' } },
      { name: 'get_date', response: { content: 'Monday' } },
    ]);
  });

  it('refuses tool-call arguments that are not a JSON object, and results for calls nobody made', () => {
    const call = (args: string) => ({
      messages: [user('x'), { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: args } }] }],
    });
    expect(() => build(call('{"city": Paris}'))).toThrow(expect.objectContaining({ code: 'invalid_request', status: 400 }));
    expect(() => build(call('[1]'))).toThrow(GatewayError);
    expect(() => build({ messages: [user('x'), { role: 'tool', tool_call_id: 'nope', content: '{}' }] })).toThrow(
      expect.objectContaining({ code: 'invalid_request', param: 'messages[1].tool_call_id' }),
    );
  });

  it('refuses an https image that is not a Gemini Files API URI, with a message saying what to do', () => {
    expect(() => build({ messages: [user([{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }])] })).toThrow(
      expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/Files API/) }),
    );
    const { body } = build({
      messages: [user([{ type: 'image_url', image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/abc.png' } }])],
    });
    expect(body.contents[0]!.parts).toEqual([{ fileData: { mimeType: 'image/png', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc.png' } }]);
  });

  it('refuses a conversation of system messages only', () => {
    expect(() => build({ messages: [{ role: 'system', content: 'Be brief.' }] })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  it('asks for JSON in JSON mode, and passes a JSON schema as responseJsonSchema (or converted as responseSchema)', () => {
    expect(build({ messages: [user('x')], response_format: { type: 'json_object' } }).body.generationConfig).toEqual({ responseMimeType: 'application/json' });
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const responseFormat = { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } };
    expect(build({ messages: [user('x')], response_format: responseFormat }).body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
    const converted = build({ messages: [user('x')], response_format: responseFormat }, { responseSchemaField: 'responseSchema' });
    expect(converted.body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
    expect(converted.warnings).toEqual(['responseFormat.schema: removed /additionalProperties']);
  });

  it('maps sampling settings and reasoning effort into generationConfig', () => {
    const { body } = build({
      messages: [user('x')],
      temperature: 0.7,
      top_p: 0.9,
      max_completion_tokens: 300,
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      stop: 'END',
      reasoning_effort: 'low',
    });
    expect(body.generationConfig).toEqual({
      temperature: 0.7,
      topP: 0.9,
      maxOutputTokens: 300,
      stopSequences: ['END'],
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      thinkingConfig: { thinkingBudget: 1024 },
    });
  });

  it('lays provider_options.gemini under the body: it fills in, never overrides', () => {
    const { body } = build(
      {
        messages: [user('x')],
        temperature: 0.2,
        reasoning_effort: 'high',
        provider_options: { gemini: { cachedContent: 'cachedContents/abc', generationConfig: { temperature: 1.5, topK: 40, thinkingConfig: { includeThoughts: true } } } },
      },
      { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }] },
    );
    expect(body['cachedContent']).toBe('cachedContents/abc');
    expect(body.generationConfig).toEqual({ temperature: 0.2, topK: 40, thinkingConfig: { includeThoughts: true, thinkingBudget: 24576 } });
    expect(body.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }]);
  });
});

describe('the gemini plugin', () => {
  it('needs an api_key and fills in the defaults', () => {
    expect(() => gemini({})).toThrow(/api_key/);
    const adapters = gemini({ api_key: 'AIza-test' }).build();
    expect(adapters.secrets).toEqual(['AIza-test']);
    expect(adapters.modelsTtlMs).toBe(300000);
    const chat = adapters.chat as GeminiChatAdapter;
    const request = chat.buildRequest(canonical({ messages: [user('hi')], stream: true }), 'gemini-2.5-flash');
    expect(request).toMatchObject({
      origin: 'https://generativelanguage.googleapis.com',
      path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      method: 'POST',
      headers: { 'x-goog-api-key': 'AIza-test', 'content-type': 'application/json' },
    });
    expect(chat.buildRequest(canonical({ messages: [user('hi')] }), 'tunedModels/my-model').path).toBe('/v1beta/tunedModels/my-model:generateContent');
    expect(chat.buildRequest(canonical({ messages: [user('hi')] }), 'models/gemini-2.5-pro').path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
  });

  it('keeps a model named as a resource inside its own path segment: no dot segments, query or fragment reach the URL', () => {
    const chat = gemini({ api_key: 'AIza-test' }).build().chat as GeminiChatAdapter;
    // A key allowed `gemini/models/gemini-2.5-flash*` must not reach gemini-2.5-pro (nor another method) by the path.
    for (const [model, path] of [
      ['models/gemini-2.5-flash/../gemini-2.5-pro', '/v1beta/models/gemini-2.5-flash%2F..%2Fgemini-2.5-pro:generateContent'],
      ['tunedModels/../models/gemini-2.5-pro', '/v1beta/tunedModels/..%2Fmodels%2Fgemini-2.5-pro:generateContent'],
      ['models/gemini-2.5-pro:countTokens?x=#', '/v1beta/models/gemini-2.5-pro%3AcountTokens%3Fx%3D%23:generateContent'],
    ]) {
      expect(chat.buildRequest(canonical({ messages: [user('hi')] }), model!).path).toBe(path);
    }
  });

  it('takes base_url, extra headers and timeouts', () => {
    const adapters = gemini({ api_key: 'k', base_url: 'http://127.0.0.1:9/proxy/v1beta/', headers: { 'x-team': 'a' }, timeouts: { headers_ms: 5000 } }).build();
    const request = (adapters.chat as GeminiChatAdapter).buildRequest(canonical({ messages: [user('hi')] }), 'gemini-2.5-pro');
    expect(request.origin).toBe('http://127.0.0.1:9');
    expect(request.path).toBe('/proxy/v1beta/models/gemini-2.5-pro:generateContent');
    expect(request.headers['x-team']).toBe('a');
    expect(adapters.timeouts).toEqual({ headersMs: 5000 });
  });

  it('follows model list pages with nextPageRequest and drops models the gateway cannot call', () => {
    const models = gemini({ api_key: 'k' }).build().models as import('../src/index.js').GeminiModelsAdapter;
    expect(models.buildRequest().path).toBe('/v1beta/models?pageSize=1000');
    expect(models.nextPageRequest({ models: [], nextPageToken: 'abc=' })?.path).toBe('/v1beta/models?pageSize=1000&pageToken=abc%3D');
    expect(models.nextPageRequest({ models: [] })).toBeUndefined();
    expect(
      models.parseResponse({
        models: [
          { name: 'models/gemini-2.5-flash', supportedGenerationMethods: ['generateContent'] },
          { name: 'models/imagen-4.0-generate-001', supportedGenerationMethods: ['predict'] },
          { name: 'models/text-embedding-004', supportedGenerationMethods: ['embedContent'] },
        ],
      }),
    ).toEqual([
      { id: 'gemini-2.5-flash', ownedBy: 'google' },
      { id: 'text-embedding-004', ownedBy: 'google' },
    ]);
  });
});
