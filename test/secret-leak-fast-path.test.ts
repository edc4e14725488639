import { readFixture, startMockAnthropic, startMockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const openAIKey = 'sk-proj-FASTPATHs3cr3tKEY0123456789abcdef';
const anthropicKey = 'sk-ant-api03-FASTPATHs3cr3t0123456789abcdef';

/** A fixture stream with `extra` (raw SSE text) put before its event number `index`. */
function streamWith(fixture: string, index: number, extra: string): string {
  const events = fixture.split(/\n\n+/).filter((event) => event.trim() !== '');
  events.splice(index, 0, extra.trim());
  return `${events.join('\n\n')}\n\n`;
}

describe('the fast path passes upstream events on as they came: not one that quotes the provider key', () => {
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
      body: JSON.stringify({ stream: true, ...body }),
    });
    return { status: response.status, path: response.headers.get('x-switchyard-path'), text: await response.text() };
  };

  const anthropicEvents: Array<[string, string]> = [
    ['an error event named in capitals', `event: ERROR\ndata: {"type":"error","error":{"type":"overloaded_error","message":"key ${anthropicKey} refused"}}`],
    ['an error event whose name has a trailing space', `event: error \ndata: {"type":"error","error":{"type":"api_error","message":"key ${anthropicKey} refused"}}`],
    ['a ping carrying an error', `event: ping\ndata: {"type":"ping","error":{"message":"Bearer ${anthropicKey}"}}`],
    ['an event of a kind it does not know', `event: debug\ndata: {"type":"debug","headers":{"x-api-key":"${anthropicKey}"}}`],
    // The name goes on too: an unknown event is passed on by it.
    ['an event of a kind it does not know named after the key', `event: x-api-key:${anthropicKey}\ndata: {"type":"debug"}`],
    ['an event named after the key percent-encoded', `event: x-api-key%3A${encodeURIComponent(anthropicKey).replace(/-/g, '%2D')}\ndata: {"type":"debug"}`],
  ];
  for (const [label, extra] of anthropicEvents) {
    it(`Anthropic (/v1/messages): ${label}`, async () => {
      anthropic.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: streamWith(readFixture('anthropic', 'stream-text-only.txt'), 3, extra) });
      const { status, path, text } = await post('/messages', { model: 'anthropic/claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      expect([status, path]).toEqual([200, 'fast']);
      expect(text).not.toContain(anthropicKey.slice(-14));
      expect(text).toContain('[REDACTED]');
      // The rest of the stream is as it came.
      expect(text).toContain(' in Paris.');
      expect(text).toContain('event: message_stop');
    });
  }

  const openAIChunks: Array<[string, string]> = [
    ['a chunk with "error": null and the key in another field', `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":""},"finish_reason":null}],"error":null,"debug":"Bearer ${openAIKey}"}`],
    ['an error inside a choice', `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":""},"finish_reason":null,"error":{"message":"key ${openAIKey}"}}]}`],
  ];
  for (const [label, extra] of openAIChunks) {
    it(`OpenAI (/v1/chat/completions): ${label}`, async () => {
      openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: streamWith(readFixture('openai', 'stream-text-only.txt'), 2, extra) });
      const { status, path, text } = await post('/chat/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect([status, path]).toEqual([200, 'fast']);
      expect(text).not.toContain(openAIKey.slice(-14));
      expect(text).toContain('[REDACTED]');
      expect(text).toContain('data: [DONE]');
    });
  }

  it('OpenAI, a whole answer with a field echoing the request headers', async () => {
    const answer = JSON.parse(readFixture('openai', 'response.json')) as Record<string, unknown>;
    openai.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body: { ...answer, debug: { request_headers: { authorization: `Bearer ${openAIKey}` } } } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();
    expect([response.status, response.headers.get('x-switchyard-path')]).toEqual([200, 'fast']);
    expect(text).not.toContain(openAIKey.slice(-14));
    expect(JSON.parse(text).debug).toEqual({ request_headers: { authorization: 'Bearer [REDACTED]' } });
  });

  it('Anthropic, a whole message with a field quoting the key JSON-escaped', async () => {
    const message = readFixture('anthropic', 'response.json').trim();
    const escaped = anthropicKey.replace(/a/g, '\\u0061');
    anthropic.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body: `${message.slice(0, -1)},"debug":"key ${escaped}"}` });
    const response = await fetch(`${gateway.baseURL}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();
    expect([response.status, response.headers.get('x-switchyard-path')]).toEqual([200, 'fast']);
    expect(JSON.parse(text).debug).toBe('key [REDACTED]');
  });

  it('a whole answer whose text quotes the key (an upstream echoing the headers it got) is blanked on the translated path too, as on the fast path', async () => {
    const completion = JSON.parse(readFixture('openai', 'response.json')) as { choices: Array<{ message: { content: string } }> };
    completion.choices[0]!.message.content = `You sent Authorization: Bearer ${openAIKey}`;
    const message = JSON.parse(readFixture('anthropic', 'response.json')) as { content: Array<{ type: string; text?: string }> };
    message.content = [{ type: 'text', text: `You sent x-api-key: ${anthropicKey.replace(/a/g, '\\u0061')}` }];
    const ask = async (path: string, body: Record<string, unknown>) => {
      const response = await fetch(`${gateway.baseURL}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], ...body }),
      });
      return { status: response.status, path: response.headers.get('x-switchyard-path'), text: await response.text() };
    };
    // The fast path's answer, then the same upstream answer to a client of the other dialect.
    openai.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body: completion });
    const fast = await ask('/chat/completions', { model: 'openai/gpt-4o-mini' });
    expect([fast.status, fast.path]).toEqual([200, 'fast']);
    expect(JSON.parse(fast.text).choices[0].message.content).toBe('You sent Authorization: Bearer [REDACTED]');
    openai.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body: completion });
    const viaMessages = await ask('/messages', { model: 'openai/gpt-4o-mini' });
    expect(viaMessages.status).toBe(200);
    expect(viaMessages.path).not.toBe('fast');
    expect(JSON.parse(viaMessages.text).content[0].text).toBe('You sent Authorization: Bearer [REDACTED]');
    anthropic.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body: message });
    const viaChat = await ask('/chat/completions', { model: 'anthropic/claude-sonnet-4-5' });
    expect(viaChat.status).toBe(200);
    expect(JSON.parse(viaChat.text).choices[0].message.content).toBe('You sent x-api-key: [REDACTED]');
  });

  describe('a key spelled with HTML character references whose `&` the upstream JSON-escaped (\\u0026#115;, as Go writes it)', () => {
    /** Each character of `key` as a reference, decimal or hex by turns, its `&` written `\u0026` (raw JSON string text). */
    const escapedReferences = (key: string) => [...key].map((char, index) => `\\u0026#${index % 2 ? `x${char.charCodeAt(0).toString(16)}` : char.charCodeAt(0)};`).join('');
    /** References decoded, as a client showing the text as HTML does. */
    const decoded = (text: string) =>
      text.replace(/&#[xX]([0-9A-Fa-f]+);?/g, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16))).replace(/&#([0-9]+);?/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)));
    const expectNoKey = (text: string, key: string) => {
      for (const reading of [text, decoded(text.replace(/\\+u0026/g, '&')), decoded(JSON.stringify(text))]) {
        expect(reading).not.toContain(key.slice(0, 12));
        expect(reading).not.toContain(key.slice(-12));
      }
    };

    it('OpenAI, a whole answer: the content is blanked', async () => {
      const answer = JSON.parse(readFixture('openai', 'response.json')) as { choices: Array<{ message: { content: string } }> };
      answer.choices[0]!.message.content = 'KEY_HERE';
      const body = JSON.stringify(answer).replace('KEY_HERE', `Your key is ${escapedReferences(openAIKey)} ok.`);
      openai.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, body });
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await response.text();
      expect([response.status, response.headers.get('x-switchyard-path')]).toEqual([200, 'fast']);
      const content = JSON.parse(text).choices[0].message.content as string;
      expect(content).toBe('Your key is [REDACTED] ok.');
      expectNoKey(text, openAIKey);
    });

    /** The spelled key as JSON string atoms: `\u0026` one, every other character one (an event's JSON is never cut inside an escape). */
    const atomsOf = (spelled: string) => spelled.match(/\\u0026|[^]/g)!;
    const chunk = (delta: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${delta},"finish_reason":null}]}\n\n`;
    const anthropicDelta = (text: string) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${text}"}}\n\n`;

    for (const size of [1, 2, 3, 5, 7, 11, 1000]) {
      it(`streamed, cut every ${size} characters of the spelling (inside references too): OpenAI and Anthropic content is blanked`, async () => {
        const cut = (key: string) => {
          const atoms = atomsOf(escapedReferences(key));
          const texts: string[] = [];
          for (let at = 0; at < atoms.length; at += size) texts.push(atoms.slice(at, at + size).join(''));
          texts[0] = `Your key is ${texts[0]}`;
          texts[texts.length - 1] += ' ok.';
          return texts;
        };
        let body = chunk('{"role":"assistant","content":""}');
        for (const text of cut(openAIKey)) body += chunk(`{"content":"${text}"}`);
        body += `${chunk('{}').replace('"finish_reason":null', '"finish_reason":"stop"')}data: [DONE]\n\n`;
        openai.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
        const fromOpenAI = await post('/chat/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
        expect([fromOpenAI.status, fromOpenAI.path]).toEqual([200, 'fast']);
        const read = fromOpenAI.text
          .split('\n')
          .filter((line) => line.startsWith('data: {'))
          .map((line) => (JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
          .join('');
        expect(decoded(read)).toBe('Your key is [REDACTED] ok.');
        expectNoKey(fromOpenAI.text, openAIKey);

        const fixture = readFixture('anthropic', 'stream-text-only.txt');
        const events = fixture.split(/\n\n+/).filter((event) => event.trim() !== '' && !event.includes('content_block_delta'));
        const deltas = cut(anthropicKey).map(anthropicDelta).join('');
        const stop = events.findIndex((event) => event.includes('content_block_stop'));
        anthropic.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: `${events.slice(0, stop).join('\n\n')}\n\n${deltas}${events.slice(stop).join('\n\n')}\n\n` });
        const fromAnthropic = await post('/messages', { model: 'anthropic/claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
        expect([fromAnthropic.status, fromAnthropic.path]).toEqual([200, 'fast']);
        const said = fromAnthropic.text
          .split('\n')
          .filter((line) => line.startsWith('data: {'))
          .map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: { text?: string } })
          .filter((event) => event.type === 'content_block_delta')
          .map((event) => event.delta?.text ?? '')
          .join('');
        expect(decoded(said)).toBe('Your key is [REDACTED] ok.');
        expectNoKey(fromAnthropic.text, anthropicKey);
      });
    }
  });

  it('no log line holds either key', () => {
    for (const line of gateway.logLines) {
      expect(line).not.toContain(openAIKey.slice(-14));
      expect(line).not.toContain(anthropicKey.slice(-14));
    }
  });
});
