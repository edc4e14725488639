import { startMockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseData } from './support/sse-data.js';
import { spellSecret, unescapeAll } from './support/secret-variants.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// Holds a `/` (spelled `\/` by a JSON writer) and letters `\u` escapes may spell.
const key = 'sk-proj-LOGPROBs3cr3t/KEY+0123456789abcdefXYZ';
const expected = 'Your key is [REDACTED] ok.';

type Spelling = 'plain' | 'escaped';

/** The key cut at `cuts`, then the text around it: the tokens the model "said", decoded. */
function tokensOf(cuts: number[]): string[] {
  const bounds = [0, ...cuts, key.length];
  const pieces = bounds.slice(1).map((end, index) => key.slice(bounds[index], end));
  return ['Your', ' key', ' is ', ...pieces, ' ok', '.'];
}

/** A token as the upstream's JSON text spells it (the inside of its quotes). */
function spelled(token: string, spelling: Spelling): string {
  if (spelling === 'plain') return token.replace(/\//g, '\\/');
  return spellSecret({ secret: token, spellings: [...token].map((char, index) => (char === '/' ? 'short' : index % 2 === 0 ? 'lower' : 'upper')) }, 1);
}

const bytesOf = (token: string) => JSON.stringify([...Buffer.from(token, 'utf8')]);

/** One logprobs entry in raw JSON: the token, its bytes, and two alternatives (the token itself first, as OpenAI lists the chosen one). */
function entry(token: string, spelling: Spelling, withBytes = true): string {
  const bytes = withBytes ? `,"bytes":${bytesOf(token)}` : '';
  return `{"token":"${spelled(token, spelling)}","logprob":-0.01${bytes},"top_logprobs":[{"token":"${spelled(token, spelling)}","logprob":-0.01${bytes}},{"token":"x","logprob":-5${withBytes ? ',"bytes":[120]' : ''}}]}`;
}

/** The tokens in events of `perEvent` tokens each. */
function grouped(tokens: string[], perEvent: number): string[][] {
  const groups: string[][] = [];
  for (let at = 0; at < tokens.length; at += perEvent) groups.push(tokens.slice(at, at + perEvent));
  return groups;
}

const chunk = (choice: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[${choice}],"usage":null}\n\n`;

function chatStream(tokens: string[], spelling: Spelling, perEvent: number): string {
  let body = chunk('{"index":0,"delta":{"role":"assistant","content":""},"logprobs":{"content":[],"refusal":null},"finish_reason":null}');
  for (const group of grouped(tokens, perEvent)) {
    const content = group.map((token) => spelled(token, spelling)).join('');
    body += chunk(`{"index":0,"delta":{"content":"${content}"},"logprobs":{"content":[${group.map((token) => entry(token, spelling)).join(',')}],"refusal":null},"finish_reason":null}`);
  }
  body += chunk('{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}');
  body += 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}\n\n';
  return `${body}data: [DONE]\n\n`;
}

function chatAnswer(tokens: string[], spelling: Spelling): string {
  const content = tokens.map((token) => spelled(token, spelling)).join('');
  return `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"${content}","refusal":null},"logprobs":{"content":[${tokens.map((token) => entry(token, spelling)).join(',')}],"refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}`;
}

interface Entry {
  token: string;
  bytes?: number[] | null;
  top_logprobs?: Array<{ token: string; bytes?: number[] | null }>;
}

/** What a client reads of the logprobs: every entry in order. */
function chatStreamEntries(text: string): { content: string; entries: Entry[] } {
  let content = '';
  const entries: Entry[] = [];
  for (const data of sseData(text)) {
    if (data === '[DONE]') continue;
    const read = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string | null }; logprobs?: { content?: Entry[] | null } | null }> };
    for (const choice of read.choices ?? []) {
      content += choice.delta?.content ?? '';
      entries.push(...(choice.logprobs?.content ?? []));
    }
  }
  return { content, entries };
}

/** The entries hold no piece of the key: their tokens join to the blanked text, each entry's bytes are its token's, and so are its first alternative's. */
function expectBlanked(entries: Entry[], tokenCount: number, withBytes = true): void {
  expect(entries).toHaveLength(tokenCount);
  expect(entries.map((each) => each.token).join('')).toBe(expected);
  for (const each of entries) {
    if (withBytes) expect(each.bytes).toEqual([...Buffer.from(each.token, 'utf8')]);
    expect(each.top_logprobs?.[0]?.token).toBe(each.token);
    if (withBytes) expect(each.top_logprobs?.[0]?.bytes).toEqual([...Buffer.from(each.token, 'utf8')]);
  }
  const allBytes = Buffer.from(entries.flatMap((each) => [...(each.bytes ?? []), ...(each.top_logprobs ?? []).flatMap((top) => top.bytes ?? [])])).toString('utf8');
  for (const text of [allBytes, JSON.stringify(entries)]) {
    expect(unescapeAll(text)).not.toContain(key.slice(0, 12));
    expect(unescapeAll(text)).not.toContain(key.slice(-12));
  }
}

// Where the key is cut: whole in one token, in two, in three, one character a token.
const cuts: Array<[string, number[]]> = [
  ['whole in one token', []],
  ['split in two tokens', [5]],
  ['split in three tokens', [3, 20]],
  ['one character a token', [...key].map((_, index) => index).slice(1)],
];

describe('a provider key the upstream echoes in logprobs tokens is blanked there too (fast path)', () => {
  let openai: Awaited<ReturnType<typeof startMockOpenAI>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    openai = await startMockOpenAI();
    gateway = await startTestGateway({ providers: { openai: { api_key: key, base_url: openai.url } } });
  });
  afterAll(async () => {
    await gateway?.close();
    await openai?.close();
  });

  const post = async (path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', ...body }),
    });
    return { status: response.status, path: response.headers.get('x-switchyard-path'), text: await response.text() };
  };

  for (const spelling of ['plain', 'escaped'] as const) {
    for (const [label, at] of cuts) {
      for (const perEvent of [1, 2]) {
        it(`chat completions streamed: the key ${spelling}, ${label}, ${perEvent} token(s) an event`, async () => {
          const tokens = tokensOf(at);
          openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: chatStream(tokens, spelling, perEvent) });
          const { status, path, text } = await post('/chat/completions', { stream: true, logprobs: true, top_logprobs: 2, messages: [{ role: 'user', content: 'hi' }] });
          expect([status, path]).toEqual([200, 'fast']);
          expect(unescapeAll(text)).not.toContain(key.slice(0, 12));
          expect(unescapeAll(text)).not.toContain(key.slice(-12));
          const read = chatStreamEntries(text);
          expect(read.content).toBe(expected);
          expectBlanked(read.entries, tokens.length);
        });
      }

      it(`chat completions whole: the key ${spelling}, ${label}`, async () => {
        const tokens = tokensOf(at);
        openai.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body: chatAnswer(tokens, spelling) });
        const { status, path, text } = await post('/chat/completions', { logprobs: true, top_logprobs: 2, messages: [{ role: 'user', content: 'hi' }] });
        expect([status, path]).toEqual([200, 'fast']);
        expect(unescapeAll(text)).not.toContain(key.slice(-12));
        const answer = JSON.parse(text) as { choices: Array<{ message: { content: string }; logprobs: { content: Entry[] } }> };
        expect(answer.choices[0]!.message.content).toBe(expected);
        expectBlanked(answer.choices[0]!.logprobs.content, tokens.length);
      });
    }
  }

  it('tokens that only look like the start of a key go on whole and in order, each entry once', async () => {
    const tokens = ['Ask', ' for', ' sk', '-pro', ' plans', ' s'];
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: chatStream(tokens, 'plain', 1) });
    const { status, text } = await post('/chat/completions', { stream: true, logprobs: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(status).toBe(200);
    const read = chatStreamEntries(text);
    expect(read.content).toBe(tokens.join(''));
    expect(read.entries.map((each) => each.token)).toEqual(tokens);
    for (const each of read.entries) expect(each.bytes).toEqual([...Buffer.from(each.token, 'utf8')]);
  });

  it('two choices (an upstream answering n > 1): each is its own text, its entries held apart while the other streams between', async () => {
    const tokens = tokensOf([3, 9, 20]);
    const other = ['Fine', ' thanks', ' s', 'k', 'ip', '.'];
    let body = chunk('{"index":0,"delta":{"role":"assistant","content":""},"logprobs":{"content":[],"refusal":null},"finish_reason":null}');
    for (let index = 0; index < Math.max(tokens.length, other.length); index++) {
      for (const [choice, list] of [[0, tokens], [1, other]] as const) {
        const token = list[index];
        if (token !== undefined) body += chunk(`{"index":${choice},"delta":{"content":"${spelled(token, 'plain')}"},"logprobs":{"content":[${entry(token, 'plain')}],"refusal":null},"finish_reason":null}`);
      }
    }
    body += chunk('{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}') + chunk('{"index":1,"delta":{},"logprobs":null,"finish_reason":"stop"}') + 'data: [DONE]\n\n';
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const { status, text } = await post('/chat/completions', { stream: true, logprobs: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(status, text).toBe(200);
    expect(unescapeAll(text)).not.toContain(key.slice(0, 12));
    const byChoice = new Map<number, Entry[]>();
    for (const data of sseData(text)) {
      if (data === '[DONE]') continue;
      for (const choice of (JSON.parse(data) as { choices: Array<{ index: number; logprobs?: { content?: Entry[] } | null }> }).choices) {
        byChoice.set(choice.index, [...(byChoice.get(choice.index) ?? []), ...(choice.logprobs?.content ?? [])]);
      }
    }
    expectBlanked(byChoice.get(0)!, tokens.length);
    expect(byChoice.get(1)!.map((each) => each.token)).toEqual(other);
  });

  it('Responses API streamed: whole logprobs lists in the text\'s done event and the final Response are blanked too', async () => {
    const tokens = tokensOf([3, 20]);
    const list = JSON.parse(`[${tokens.map((token) => entry(token, 'plain')).join(',')}]`) as unknown[];
    const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: tokens.join(''), annotations: [], logprobs: list }] };
    const response = { id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-4o-mini', output: [] as unknown[], usage: null as unknown };
    const events: Array<[string, Record<string, unknown>]> = [
      ['response.created', { response }],
      ['response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }],
      ['response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi', logprobs: [] }],
      ['response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: 'x', logprobs: list }],
      ['response.output_item.done', { output_index: 0, item }],
      ['response.completed', { response: { ...response, status: 'completed', output: [item], usage: { input_tokens: 5, output_tokens: 9, total_tokens: 14 } } }],
    ];
    const body = events.map(([type, fields], index) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: index, ...fields })}\n\n`).join('');
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const { status, path, text } = await post('/responses', { input: 'hi', stream: true, include: ['message.output_text.logprobs'] });
    expect([status, path]).toEqual([200, 'fast']);
    expect(unescapeAll(text)).not.toContain(key.slice(0, 12));
    expect(unescapeAll(text)).not.toContain(key.slice(-12));
    const read = sseData(text).map((data) => JSON.parse(data) as { type: string; logprobs?: Entry[]; item?: { content: Array<{ logprobs: Entry[] }> } });
    expectBlanked(read.find((each) => each.type === 'response.output_text.done')!.logprobs!, tokens.length);
    expectBlanked(read.find((each) => each.type === 'response.output_item.done')!.item!.content[0]!.logprobs, tokens.length);
    // The Response the gateway stored (GET /v1/responses/{id}, previous_response_id) holds none of it either.
    const { id } = (read.find((each) => each.type === 'response.completed') as unknown as { response: { id: string } }).response;
    const stored = await fetch(`${gateway.baseURL}/responses/${id}`, { headers: { authorization: `Bearer ${masterKey}` } });
    const storedText = await stored.text();
    expect(stored.status).toBe(200);
    expect(unescapeAll(storedText)).not.toContain(key.slice(0, 12));
    expect(unescapeAll(storedText)).not.toContain(key.slice(-12));
    expectBlanked((JSON.parse(storedText) as { output: Array<{ content: Array<{ logprobs: Entry[] }> }> }).output[0]!.content[0]!.logprobs, tokens.length);
  });

  it('a hostile event nested far deeper than the bound, in a stream that asked for logprobs, ends the stream as any such event does (no crash)', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const tokens = tokensOf([5]);
    const stream = chatStream(tokens, 'plain', 1);
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: stream.replace(/("content":\[\{"token":" ok")/, `$1,"deep":${deep}`) });
    const { status, text } = await post('/chat/completions', { stream: true, logprobs: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(status).toBe(200);
    expect(JSON.parse(sseData(text).at(-1)!)).toMatchObject({ error: { code: 'upstream_invalid_response' } });
    expect(unescapeAll(text)).not.toContain(key.slice(0, 12));
    expect(text).not.toContain('[[[[');
    // The gateway still answers.
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: chatStream(tokensOf([]), 'plain', 1) });
    const again = await post('/chat/completions', { stream: true, logprobs: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(chatStreamEntries(again.text).content).toBe(expected);
  });

  /** A Responses stream whose output text is `tokens`, `perEvent` tokens a delta event, each carrying its logprobs. */
  function responsesStream(tokens: string[], spelling: Spelling, perEvent: number): string {
    const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'x', annotations: [] }] };
    const response = { id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-4o-mini', output: [] as unknown[], usage: null as unknown };
    const head: Array<[string, Record<string, unknown>]> = [
      ['response.created', { response }],
      ['response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }],
      ['response.content_part.added', { item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }],
    ];
    const tail: Array<[string, Record<string, unknown>]> = [
      ['response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: 'x' }],
      ['response.output_item.done', { output_index: 0, item }],
      ['response.completed', { response: { ...response, status: 'completed', output: [item], usage: { input_tokens: 5, output_tokens: 9, total_tokens: 14 } } }],
    ];
    const event = (type: string, sequence: number, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence, ...fields })}\n\n`;
    let body = head.map(([type, fields], index) => event(type, index, fields)).join('');
    let sequence = head.length;
    for (const group of grouped(tokens, perEvent)) {
      const delta = group.map((token) => spelled(token, spelling)).join('');
      // The Responses API's entries hold no bytes (read tolerantly when they do).
      body += `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${sequence++},"item_id":"msg_1","output_index":0,"content_index":0,"delta":"${delta}","logprobs":[${group.map((token) => entry(token, spelling, false)).join(',')}]}\n\n`;
    }
    return body + tail.map(([type, fields], index) => event(type, sequence + index, fields)).join('');
  }

  for (const spelling of ['plain', 'escaped'] as const) {
    for (const [label, at] of cuts) {
      it(`Responses API streamed: the key ${spelling}, ${label}`, async () => {
        const tokens = tokensOf(at);
        openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: responsesStream(tokens, spelling, 1) });
        const { status, path, text } = await post('/responses', { input: 'hi', stream: true, top_logprobs: 2, include: ['message.output_text.logprobs'] });
        expect([status, path]).toEqual([200, 'fast']);
        expect(unescapeAll(text)).not.toContain(key.slice(0, 12));
        expect(unescapeAll(text)).not.toContain(key.slice(-12));
        const events = sseData(text).map((data) => JSON.parse(data) as { type: string; delta?: string; logprobs?: Entry[]; sequence_number: number });
        const deltas = events.filter((each) => each.type === 'response.output_text.delta');
        expect(deltas.map((each) => each.delta).join('')).toBe(expected);
        expectBlanked(
          deltas.flatMap((each) => each.logprobs ?? []),
          tokens.length,
          false,
        );
        const numbers = events.map((each) => each.sequence_number);
        expect(numbers.every((number, index) => index === 0 || number > numbers[index - 1]!)).toBe(true);
      });

      it(`Responses API whole: the key ${spelling}, ${label}`, async () => {
        const tokens = tokensOf(at);
        const content = tokens.map((token) => spelled(token, spelling)).join('');
        const body = `{"id":"resp_1","object":"response","created_at":1,"status":"completed","model":"gpt-4o-mini","output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"${content}","annotations":[],"logprobs":[${tokens.map((token) => entry(token, spelling)).join(',')}]}]}],"usage":{"input_tokens":5,"output_tokens":9,"total_tokens":14}}`;
        openai.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body });
        const { status, path, text } = await post('/responses', { input: 'hi', include: ['message.output_text.logprobs'] });
        expect([status, path]).toEqual([200, 'fast']);
        expect(unescapeAll(text)).not.toContain(key.slice(-12));
        const answer = JSON.parse(text) as { output: Array<{ content: Array<{ text: string; logprobs: Entry[] }> }> };
        expect(answer.output[0]!.content[0]!.text).toBe(expected);
        expectBlanked(answer.output[0]!.content[0]!.logprobs, tokens.length);
      });
    }
  }
  // An upstream may send logprobs the client never asked for (a proxy's default, a provider's quirk): they are blanked the same.
  for (const [label, at] of cuts.slice(1)) {
    for (const perEvent of [1, 2]) {
      it(`logprobs sent unasked, chat completions streamed: the key ${label}, ${perEvent} token(s) an event`, async () => {
        const tokens = tokensOf(at);
        openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: chatStream(tokens, 'plain', perEvent) });
        const { status, path, text } = await post('/chat/completions', { stream: true, messages: [{ role: 'user', content: 'hi' }] });
        expect([status, path]).toEqual([200, 'fast']);
        const read = chatStreamEntries(text);
        expect(read.content).toBe(expected);
        expectBlanked(read.entries, tokens.length);
      });
    }

    it(`logprobs sent unasked under a key spelled with an escape ("logprob\\u0073"), streamed: the key ${label}`, async () => {
      const tokens = tokensOf(at);
      openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: chatStream(tokens, 'plain', 1).replaceAll('"logprobs":{', '"logprob\\u0073":{') });
      const { status, text } = await post('/chat/completions', { stream: true, messages: [{ role: 'user', content: 'hi' }] });
      expect(status).toBe(200);
      const read = chatStreamEntries(text);
      expect(read.content).toBe(expected);
      expectBlanked(read.entries, tokens.length);
    });

    it(`logprobs sent unasked, chat completions whole: the key ${label}`, async () => {
      const tokens = tokensOf(at);
      openai.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body: chatAnswer(tokens, 'plain') });
      const { status, path, text } = await post('/chat/completions', { messages: [{ role: 'user', content: 'hi' }] });
      expect([status, path]).toEqual([200, 'fast']);
      const answer = JSON.parse(text) as { choices: Array<{ message: { content: string }; logprobs: { content: Entry[] } }> };
      expect(answer.choices[0]!.message.content).toBe(expected);
      expectBlanked(answer.choices[0]!.logprobs.content, tokens.length);
    });

    it(`logprobs sent unasked, Responses API streamed: the key ${label}`, async () => {
      const tokens = tokensOf(at);
      openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: responsesStream(tokens, 'plain', 1) });
      const { status, path, text } = await post('/responses', { input: 'hi', stream: true });
      expect([status, path]).toEqual([200, 'fast']);
      const deltas = sseData(text).map((data) => JSON.parse(data) as { type: string; delta?: string; logprobs?: Entry[] }).filter((each) => each.type === 'response.output_text.delta');
      expect(deltas.map((each) => each.delta).join('')).toBe(expected);
      expectBlanked(deltas.flatMap((each) => each.logprobs ?? []), tokens.length, false);
    });
  }
});

describe('logprobs with the key through the response cache (the translated path)', () => {
  let openai: Awaited<ReturnType<typeof startMockOpenAI>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    openai = await startMockOpenAI();
    gateway = await startTestGateway({
      providers: { openai: { api_key: key, base_url: openai.url } },
      chain: ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', 'cache', 'route', 'adapter'],
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await openai?.close();
  });

  it('a storing cache sends a logprobs request the translated way, which drops logprobs: the miss and the hits hold none, nor any piece of the key', async () => {
    const tokens = tokensOf([3, 20]);
    openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: chatStream(tokens, 'escaped', 1) });
    const ask = async (stream: boolean) => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream, logprobs: true, top_logprobs: 2, messages: [{ role: 'user', content: 'cache me' }] }),
      });
      return { cache: response.headers.get('x-switchyard-cache'), path: response.headers.get('x-switchyard-path'), text: await response.text() };
    };
    const miss = await ask(true);
    const hit = await ask(true);
    const whole = await ask(false);
    expect([miss.cache, hit.cache, whole.cache]).toEqual(['MISS', 'HIT', 'HIT']);
    expect(miss.path).toBeNull();
    for (const answer of [miss, hit]) {
      const read = chatStreamEntries(answer.text);
      expect(read.content).toBe(expected);
      expect(read.entries).toEqual([]);
    }
    const answer = JSON.parse(whole.text) as { choices: Array<{ message: { content: string }; logprobs: unknown }> };
    expect(answer.choices[0]!.message.content).toBe(expected);
    expect(answer.choices[0]!.logprobs).toBeNull();
    for (const each of [miss, hit, whole]) {
      expect(unescapeAll(each.text)).not.toContain(key.slice(0, 12));
      expect(unescapeAll(each.text)).not.toContain(key.slice(-12));
    }
  });
});
