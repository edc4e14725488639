import { startMockAnthropic, startMockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseData as parseSseData } from './support/sse-data.js';
import { secretMarker, spellSecret, unescapeAll, type CharacterSpelling } from './support/secret-variants.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// Both hold a `/` (spelled `\/` or `\u002f` by a JSON writer) and letters that `\u` escapes may spell.
const openAIKey = 'sk-proj-STREAMs3cr3t/KEY+0123456789abcdefXYZ';
const anthropicKey = 'sk-ant-api03-STREAMs3cr3t/0123456789abcdefXYZ';

type Spelling = 'plain' | 'escaped';

/** The key's characters as the upstream's JSON text spells them at `depth`, one string per character. */
function spelledCharacters(key: string, spelling: Spelling, depth: number): string[] {
  return [...key].map((char, index) => {
    const how: CharacterSpelling = spelling === 'plain' ? 'plain' : char === '/' ? 'short' : index % 3 === 0 ? 'lower' : index % 3 === 1 ? 'upper' : 'plain';
    return spellSecret({ secret: char, spellings: [how] }, depth);
  });
}

/** The spelled key cut into pieces at the given character positions. */
function pieces(key: string, spelling: Spelling, cuts: number[], depth = 1): string[] {
  const characters = spelledCharacters(key, spelling, depth);
  const bounds = [0, ...cuts, characters.length];
  return bounds.slice(1).map((end, index) => characters.slice(bounds[index], end).join(''));
}

const openAIChunk = (delta: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${delta},"finish_reason":null}]}\n\n`;

/** An OpenAI stream: `texts` as content deltas (raw JSON string contents), then `args` as one tool call's argument deltas. */
function openAIStream(texts: string[], args: string[]): string {
  let body = openAIChunk('{"role":"assistant","content":""}');
  for (const text of texts) body += openAIChunk(`{"content":"${text}"}`);
  if (args.length > 0) {
    body += openAIChunk('{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"save","arguments":""}}]}');
    for (const piece of args) body += openAIChunk(`{"tool_calls":[{"index":0,"function":{"arguments":"${piece}"}}]}`);
  }
  body += `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"${args.length > 0 ? 'tool_calls' : 'stop'}"}]}\n\n`;
  body += 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}\n\ndata: [DONE]\n\n';
  return body;
}

const anthropicEvent = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;

/** An Anthropic stream: `texts` as text deltas, then `args` as one tool_use block's input_json_delta fragments. */
function anthropicStream(texts: string[], args: string[]): string {
  let body = anthropicEvent('message_start', '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}');
  body += anthropicEvent('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}');
  for (const text of texts) body += anthropicEvent('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${text}"}}`);
  body += anthropicEvent('content_block_stop', '{"type":"content_block_stop","index":0}');
  if (args.length > 0) {
    body += anthropicEvent('content_block_start', '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"save","input":{}}}');
    for (const piece of args) body += anthropicEvent('content_block_delta', `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"${piece}"}}`);
    body += anthropicEvent('content_block_stop', '{"type":"content_block_stop","index":1}');
  }
  body += anthropicEvent('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${args.length > 0 ? 'tool_use' : 'end_turn'}","stop_sequence":null},"usage":{"output_tokens":9}}`);
  return body + anthropicEvent('message_stop', '{"type":"message_stop"}');
}

/** What an OpenAI client reads from a stream: the content and the tool call's arguments, each joined. */
function readOpenAI(text: string): { content: string; args: string } {
  let content = '';
  let args = '';
  for (const data of parseSseData(text)) {
    if (data === '[DONE]') continue;
    const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string | null; tool_calls?: Array<{ function?: { arguments?: string } }> } }> };
    for (const choice of chunk.choices ?? []) {
      content += choice.delta?.content ?? '';
      for (const call of choice.delta?.tool_calls ?? []) args += call.function?.arguments ?? '';
    }
  }
  return { content, args };
}

/** What an Anthropic client reads from a stream: the text and the tool input's JSON, each joined. */
function readAnthropic(text: string): { content: string; args: string } {
  let content = '';
  let args = '';
  for (const data of parseSseData(text)) {
    const event = JSON.parse(data) as { type: string; delta?: { type?: string; text?: string; partial_json?: string } };
    if (event.type !== 'content_block_delta') continue;
    if (event.delta?.type === 'text_delta') content += event.delta.text ?? '';
    if (event.delta?.type === 'input_json_delta') args += event.delta.partial_json ?? '';
  }
  return { content, args };
}

describe('a provider key the upstream echoes in streamed content is blanked, as in a whole answer', () => {
  let openai: Awaited<ReturnType<typeof startMockOpenAI>>;
  let anthropic: Awaited<ReturnType<typeof startMockAnthropic>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([startMockOpenAI(), startMockAnthropic()]);
    gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: { openai: { api_key: openAIKey, base_url: openai.url }, anthropic: { api_key: anthropicKey, base_url: anthropic.url } },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([openai?.close(), anthropic?.close()]);
  });

  const post = async (path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], ...body }),
    });
    return { status: response.status, path: response.headers.get('x-switchyard-path'), text: await response.text() };
  };

  // Where the key is cut: whole in one delta, in two (a short start held), in three and more (one character a delta).
  const cutsOf = (key: string): Array<[string, number[]]> => [
    ['whole in one delta', []],
    ['split in two', [5]],
    ['split in three', [3, 20]],
    ['one character a delta', [...key].map((_, index) => index).slice(1)],
  ];

  const routes = [
    { label: 'OpenAI client, OpenAI upstream (fast path)', path: '/chat/completions', model: 'openai/gpt-4o-mini', key: openAIKey, fast: true, upstream: 'openai', read: readOpenAI },
    { label: 'Anthropic client, Anthropic upstream (fast path)', path: '/messages', model: 'anthropic/claude-sonnet-4-5', key: anthropicKey, fast: true, upstream: 'anthropic', read: readAnthropic },
    { label: 'OpenAI client, Anthropic upstream (translated)', path: '/chat/completions', model: 'anthropic/claude-sonnet-4-5', key: anthropicKey, fast: false, upstream: 'anthropic', read: readOpenAI },
    { label: 'Anthropic client, OpenAI upstream (translated)', path: '/messages', model: 'openai/gpt-4o-mini', key: openAIKey, fast: false, upstream: 'openai', read: readAnthropic },
  ] as const;

  for (const route of routes) {
    for (const spelling of ['plain', 'escaped'] as const) {
      for (const [cutLabel, cuts] of cutsOf(route.key)) {
        it(`${route.label}: content and tool arguments, the key ${spelling}, ${cutLabel}`, async () => {
          const texts = pieces(route.key, spelling, cuts);
          texts[0] = `Your key is ${texts[0]}`;
          texts[texts.length - 1] += ' ok.';
          // Inside the arguments (JSON in a JSON string) the key's escapes are doubled.
          const args = pieces(route.key, spelling, cuts, 2);
          args[0] = `{\\"token\\":\\"${args[0]}`;
          args[args.length - 1] += '\\"}';
          const body = route.upstream === 'openai' ? openAIStream(texts, args) : anthropicStream(texts, args);
          (route.upstream === 'openai' ? openai : anthropic).enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
          const { status, path, text } = await post(route.path, {
            model: route.model,
            tools: route.path === '/messages' ? [{ name: 'save', input_schema: { type: 'object' } }] : [{ type: 'function', function: { name: 'save', parameters: { type: 'object' } } }],
          });
          expect(status).toBe(200);
          expect(path === 'fast').toBe(route.fast);
          expect(unescapeAll(text)).not.toContain(route.key.slice(-12));
          expect(unescapeAll(text)).not.toContain(route.key.slice(0, 12));
          const read = route.read(text);
          expect(read.content).toBe('Your key is [REDACTED] ok.');
          expect(JSON.parse(read.args)).toEqual({ token: '[REDACTED]' });
        });
      }
    }
  }

  it('text that only looks like the start of a key goes on whole, in order (a tail held back is let go)', async () => {
    const texts = ['Ask', ' for sk', '-pro', ' plans', ' at 50', '%', ' off s'];
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: openAIStream(texts, []) });
    const fast = await post('/chat/completions', { model: 'openai/gpt-4o-mini' });
    expect(fast.path).toBe('fast');
    expect(readOpenAI(fast.text).content).toBe(texts.join(''));
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: openAIStream(texts, []) });
    const translated = await post('/messages', { model: 'openai/gpt-4o-mini' });
    expect(readAnthropic(translated.text).content).toBe(texts.join(''));
  });

  it('translated: a key echoed in a stream field that is not text (the message id, a tool call id, a signature) is blanked too, JSON-escaped as well', async () => {
    const escaped = spellSecret({ secret: anthropicKey, spellings: [...anthropicKey].map((char) => (char === '/' ? 'short' : 'lower')) }, 1);
    const body = anthropicStream(['Hello'], ['{}'])
      .replace('"id":"msg_1"', `"id":"${escaped}"`)
      .replace('"id":"toolu_1"', `"id":"call-${anthropicKey}"`)
      .replace(
        anthropicEvent('content_block_stop', '{"type":"content_block_stop","index":0}'),
        anthropicEvent('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"${anthropicKey}"}}`) +
          anthropicEvent('content_block_stop', '{"type":"content_block_stop","index":0}'),
      );
    anthropic.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const { status, path, text } = await post('/chat/completions', { model: 'anthropic/claude-sonnet-4-5', tools: [{ type: 'function', function: { name: 'save', parameters: { type: 'object' } } }] });
    expect([status, path]).toEqual([200, null]);
    expect(text).toContain('Hello');
    expect(unescapeAll(text)).not.toContain(anthropicKey.slice(-12));
    expect(unescapeAll(text)).not.toContain(anthropicKey.slice(0, 12));
  });

  it('no log line holds either key', () => {
    for (const line of gateway.logLines) {
      expect(unescapeAll(line)).not.toContain(openAIKey.slice(-12));
      expect(unescapeAll(line)).not.toContain(anthropicKey.slice(-12));
    }
  });
});

describe('a streamed answer whose key was blanked is cached blanked', () => {
  let openai: Awaited<ReturnType<typeof startMockOpenAI>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    openai = await startMockOpenAI();
    gateway = await startTestGateway({
      providers: { openai: { api_key: openAIKey, base_url: openai.url } },
      chain: ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', 'cache', 'route', 'adapter'],
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await openai?.close();
  });

  it('the miss and the hit, streamed and whole, read [REDACTED] where the key was split across deltas', async () => {
    const texts = pieces(openAIKey, 'escaped', [4, 17]);
    texts[0] = `Your key is ${texts[0]}`;
    texts[texts.length - 1] += ' ok.';
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: openAIStream(texts, []) });
    const ask = async (stream: boolean) => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content: 'cache me' }] }),
      });
      return { cache: response.headers.get('x-switchyard-cache'), text: await response.text() };
    };
    const miss = await ask(true);
    const hit = await ask(true);
    const whole = await ask(false);
    expect([miss.cache, hit.cache, whole.cache]).toEqual(['MISS', 'HIT', 'HIT']);
    expect(readOpenAI(miss.text).content).toBe('Your key is [REDACTED] ok.');
    expect(readOpenAI(hit.text).content).toBe('Your key is [REDACTED] ok.');
    expect(JSON.parse(whole.text).choices[0].message.content).toBe('Your key is [REDACTED] ok.');
    for (const answer of [miss, hit, whole]) expect(unescapeAll(answer.text)).not.toContain(openAIKey.slice(-12));
  });
});

describe('the Responses API pass-through blanks a key split across output_text deltas', () => {
  let openai: Awaited<ReturnType<typeof startMockOpenAI>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    openai = await startMockOpenAI();
    gateway = await startTestGateway({ providers: { openai: { api_key: openAIKey, base_url: openai.url } } });
  });
  afterAll(async () => {
    await gateway?.close();
    await openai?.close();
  });

  const cases: Array<[string, string[], string, string]> = [
    ['the deltas read [REDACTED]', [`Your key is sk`, ...pieces(openAIKey.slice(2), 'escaped', [7, 28]).map((piece, index, all) => (index === all.length - 1 ? `${piece} ok.` : piece))], `Your key is ${openAIKey} ok.`, 'Your key is [REDACTED] ok.'],
    // " results" ends in what may start the key: held back, then let go as a copy of its event, numbered after it.
    ['text ending in what only looks like the start of a key reads as it came', ['Ask for', ' results'], 'Ask for results', 'Ask for results'],
  ];
  for (const [label, deltas, full, expected] of cases) it(`${label}, and the sequence numbers count up`, async () => {
    const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: full, annotations: [] }] };
    const response = { id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-4o-mini', output: [] as unknown[], usage: null as unknown };
    const events: Array<[string, Record<string, unknown>]> = [
      ['response.created', { response }],
      ['response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }],
      ['response.content_part.added', { item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }],
      ...deltas.map((_, index): [string, Record<string, unknown>] => ['response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: `${secretMarker}${index}` }]),
      ['response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: full }],
      ['response.output_item.done', { output_index: 0, item }],
      ['response.completed', { response: { ...response, status: 'completed', output: [item], usage: { input_tokens: 5, output_tokens: 9, total_tokens: 14 } } }],
    ];
    let body = events.map(([type, fields], index) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: index, ...fields })}\n\n`).join('');
    deltas.forEach((delta, index) => (body = body.replace(`"${secretMarker}${index}"`, `"${delta}"`)));
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const answer = await fetch(`${gateway.baseURL}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', input: 'hi', stream: true }),
    });
    const text = await answer.text();
    expect([answer.status, answer.headers.get('x-switchyard-path')]).toEqual([200, 'fast']);
    const read = parseSseData(text).map((data) => JSON.parse(data) as { type: string; delta?: string; sequence_number: number });
    expect(read.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('')).toBe(expected);
    expect(unescapeAll(text)).not.toContain(openAIKey.slice(-12));
    expect(unescapeAll(text)).not.toContain(openAIKey.slice(0, 12));
    const numbers = read.map((event) => event.sequence_number);
    expect(numbers.every((number, index) => index === 0 || number > numbers[index - 1]!)).toBe(true);
  });
});

/** `pieces` of the spelled characters, `size` characters a piece. */
function piecesOf(key: string, spelling: Spelling, size: number, depth = 1): string[] {
  const characters = spelledCharacters(key, spelling, depth);
  const cuts = characters.map((_, index) => index).filter((index) => index > 0 && index % size === 0);
  return pieces(key, spelling, cuts, depth);
}

/** A Responses API stream whose output text is `deltas` (raw JSON string contents), numbered in order. */
function responsesStream(deltas: string[]): string {
  const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'x', annotations: [] }] };
  const response = { id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-4o-mini', output: [] as unknown[], usage: null as unknown };
  const events: Array<[string, Record<string, unknown>]> = [
    ['response.created', { response }],
    ['response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }],
    ['response.content_part.added', { item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }],
    ...deltas.map((_, index): [string, Record<string, unknown>] => ['response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: `${secretMarker}${index}` }]),
    ['response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: 'x' }],
    ['response.output_item.done', { output_index: 0, item }],
    ['response.completed', { response: { ...response, status: 'completed', output: [item], usage: { input_tokens: 5, output_tokens: 9, total_tokens: 14 } } }],
  ];
  let body = events.map(([type, fields], index) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: index, ...fields })}\n\n`).join('');
  deltas.forEach((delta, index) => (body = body.replace(`"${secretMarker}${index}"`, `"${delta}"`)));
  return body;
}

function readResponses(text: string): { content: string; args: string } {
  const events = parseSseData(text).map((data) => JSON.parse(data) as { type: string; delta?: string });
  return { content: events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join(''), args: '{"token":"[REDACTED]"}' };
}

describe('a quoted end of the provider key (12 characters or more, no start) streamed in pieces of 1 to 11 characters is blanked', () => {
  let openai: Awaited<ReturnType<typeof startMockOpenAI>>;
  let anthropic: Awaited<ReturnType<typeof startMockAnthropic>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([startMockOpenAI(), startMockAnthropic()]);
    gateway = await startTestGateway({ providers: { openai: { api_key: openAIKey, base_url: openai.url }, anthropic: { api_key: anthropicKey, base_url: anthropic.url } } });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([openai?.close(), anthropic?.close()]);
  });

  const routes = [
    { label: 'OpenAI fast path', path: '/chat/completions', model: 'openai/gpt-4o-mini', key: openAIKey, upstream: 'openai', read: readOpenAI },
    { label: 'Anthropic fast path', path: '/messages', model: 'anthropic/claude-sonnet-4-5', key: anthropicKey, upstream: 'anthropic', read: readAnthropic },
    { label: 'OpenAI client, Anthropic upstream (translated)', path: '/chat/completions', model: 'anthropic/claude-sonnet-4-5', key: anthropicKey, upstream: 'anthropic', read: readOpenAI },
    { label: 'Anthropic client, OpenAI upstream (translated)', path: '/messages', model: 'openai/gpt-4o-mini', key: openAIKey, upstream: 'openai', read: readAnthropic },
    { label: 'Responses fast path', path: '/responses', model: 'openai/gpt-4o-mini', key: openAIKey, upstream: 'responses', read: readResponses },
  ] as const;

  /** What reaches the client in place of the quoted end: at most heldRunLength - 1 of its first characters, then the blank. */
  const blankedEnd = (read: string, quoted: string, before: string, after: string) => {
    expect(read.startsWith(before) && read.endsWith(after)).toBe(true);
    const middle = read.slice(before.length, read.length - after.length);
    expect(middle).toMatch(/^.{0,3}\[REDACTED\]$/);
    expect(quoted.startsWith(middle.slice(0, -'[REDACTED]'.length))).toBe(true);
  };

  for (const route of routes.filter((each) => each.upstream !== 'responses')) {
    it(`${route.label}: tool-call arguments quoting the key's end, an inner \\u escape cut across deltas, still parse as JSON`, async () => {
      const quoted = route.key.slice(-20);
      // Every character \u-escaped inside the arguments (\\u0034 in the event's JSON, 7 characters): the first delta ends
      // after three of them (sent: a run too short to hold), inside the fourth's escape.
      const spelled = [...quoted].map((char) => `\\\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
      for (const cut of [23, 24, 25, 26, 27]) {
        const args = [`{\\"token\\":\\"${spelled.slice(0, cut)}`, spelled.slice(cut, 70), `${spelled.slice(70)}\\"}`];
        const body = route.upstream === 'openai' ? openAIStream(['Saved.'], args) : anthropicStream(['Saved.'], args);
        (route.upstream === 'openai' ? openai : anthropic).enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
        const tools = route.path === '/messages' ? [{ name: 'save', input_schema: { type: 'object' } }] : [{ type: 'function', function: { name: 'save', parameters: { type: 'object' } } }];
        const response = await fetch(`${gateway.baseURL}${route.path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: route.model, stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], tools }),
        });
        const text = await response.text();
        expect([cut, response.status]).toEqual([cut, 200]);
        expect(unescapeAll(text)).not.toContain(quoted.slice(-12));
        const token = (JSON.parse(route.read(text).args) as { token: string }).token;
        expect(token).toMatch(/^.{0,3}\[REDACTED\]$/);
      }
    });
  }

  for (const route of routes) {
    for (const spelling of ['plain', 'escaped'] as const) {
      for (const length of [12, 20]) {
        it(`${route.label}: the key's last ${length} characters, ${spelling}, in pieces of 1 to 11 characters`, async () => {
          const quoted = route.key.slice(-length);
          for (let size = 1; size <= 11; size++) {
            const texts = piecesOf(quoted, spelling, size);
            texts[0] = `Key ends ${texts[0]}`;
            texts[texts.length - 1] += ' ok.';
            const args = piecesOf(quoted, spelling, size, 2);
            args[0] = `{\\"token\\":\\"${args[0]}`;
            args[args.length - 1] += '\\"}';
            if (route.upstream === 'responses') openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: responsesStream(texts) });
            else (route.upstream === 'openai' ? openai : anthropic).enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: route.upstream === 'openai' ? openAIStream(texts, args) : anthropicStream(texts, args) });
            const tools = route.path === '/messages' ? [{ name: 'save', input_schema: { type: 'object' } }] : [{ type: 'function', function: { name: 'save', parameters: { type: 'object' } } }];
            const response = await fetch(`${gateway.baseURL}${route.path}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
              body: JSON.stringify(route.path === '/responses' ? { model: route.model, input: 'hi', stream: true } : { model: route.model, stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], tools }),
            });
            const text = await response.text();
            expect([size, response.status]).toEqual([size, 200]);
            expect(unescapeAll(text), `pieces of ${size}`).not.toContain(quoted.slice(-12));
            const read = route.read(text);
            blankedEnd(read.content, quoted, 'Key ends ', ' ok.');
            const token = (JSON.parse(read.args) as { token: string }).token;
            blankedEnd(token, quoted, '', '');
          }
        });
      }
    }
  }
});
