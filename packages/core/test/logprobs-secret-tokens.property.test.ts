import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minQuotedPartLength, SecretRedactor } from '../src/errors/redact-secrets.js';
import { asksForLogprobs, LogprobsSecretTokens } from '../src/gateway/logprobs-secret-tokens.js';
import type { ServerSentEvent } from '../src/transport/server-sent-event.js';
import { secretArbitrary } from '../../../test/support/secret-variants.js';

interface Entry {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

const entryOf = (token: string): Entry => {
  const bytes = [...Buffer.from(token, 'utf8')];
  return { token, logprob: -0.5, bytes, top_logprobs: [{ token, logprob: -0.5, bytes }] };
};

/** `text` cut at `places` (any, sorted and bounded here) into tokens. */
function cut(text: string, places: number[]): string[] {
  const bounds = [...new Set(places.map((place) => place % (text.length + 1)))].sort((a, b) => a - b);
  const tokens: string[] = [];
  let from = 0;
  for (const bound of [...bounds, text.length]) {
    if (bound > from) tokens.push(text.slice(from, bound));
    from = Math.max(from, bound);
  }
  return tokens;
}

/** A chat stream of `tokens`, `sizes` tokens an event (cycled), its finish and `[DONE]`, through the blanking; every entry the client reads, in order. */
function streamed(redactor: SecretRedactor, tokens: string[], sizes: number[]): Entry[] {
  const blanking = new LogprobsSecretTokens('openai-chat', redactor);
  const out: ServerSentEvent[] = [];
  const push = (event: ServerSentEvent) => out.push(event);
  const event = (choice: Record<string, unknown>): ServerSentEvent => ({ event: undefined, id: undefined, data: JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [choice] }) });
  for (let at = 0, turn = 0; at < tokens.length; turn++) {
    const group = tokens.slice(at, at + Math.max(1, sizes[turn % sizes.length] ?? 1));
    at += group.length;
    push(blanking.scrubbed(event({ index: 0, delta: { content: group.join('') }, logprobs: { content: group.map(entryOf), refusal: null }, finish_reason: null }), push));
  }
  push(blanking.scrubbed(event({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }), push));
  push(blanking.scrubbed({ event: undefined, id: undefined, data: '[DONE]' }, push));
  blanking.end(push);
  return out
    .filter((each) => each.data !== '[DONE]')
    .flatMap((each) => (JSON.parse(each.data) as { choices: Array<{ logprobs: { content: Entry[] } | null }> }).choices.flatMap((choice) => choice.logprobs?.content ?? []));
}

describe('LogprobsSecretTokens', () => {
  it('property: a known secret cut into tokens anywhere, the tokens into events anyhow, never reaches the client in tokens or bytes, and every entry comes once', () => {
    fc.assert(
      fc.property(secretArbitrary, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }), (secret, before, after, places, sizes) => {
        const redactor = new SecretRedactor([secret]);
        const text = `${before} ${secret} ${after}`;
        const tokens = cut(text, places);
        const entries = streamed(redactor, tokens, sizes);
        expect(entries).toHaveLength(tokens.length);
        const joined = entries.map((each) => each.token).join('');
        const bytes = Buffer.from(entries.flatMap((each) => [...each.bytes, ...each.top_logprobs.flatMap((top) => top.bytes)])).toString('utf8');
        for (const read of [joined, bytes]) {
          expect(read).not.toContain(secret.slice(0, Math.min(secret.length, minQuotedPartLength)));
          expect(read).not.toContain(secret.slice(-Math.min(secret.length, minQuotedPartLength)));
        }
        for (const each of entries) expect(each.bytes).toEqual([...Buffer.from(each.token, 'utf8')]);
      }),
      { numRuns: 300 },
    );
  });

  it('a secret whole in the text read, cut between an entry sent and one held back for its tail (a backslash that may start an escape), is blanked', () => {
    // fast-check's counterexample: the first entry went on alone, too short to blank, and the rest no longer held the secret whole.
    const secret = 'AAAAAAAA';
    const entries = streamed(new SecretRedactor([secret]), [' A', `${secret.slice(1)} \\`], [1]);
    expect(entries.map((each) => each.token).join('')).toBe(' [REDACTED] \\');
  });

  it('property: text without the secret reads as it came, the same entries, whatever it is cut into', () => {
    fc.assert(
      fc.property(secretArbitrary, fc.string({ maxLength: 60 }), fc.array(fc.nat(), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }), (secret, text, places, sizes) => {
        const redactor = new SecretRedactor([secret]);
        fc.pre(redactor.redactKnown(text) === text);
        const tokens = cut(text, places);
        expect(streamed(redactor, tokens, sizes)).toEqual(tokens.map(entryOf));
      }),
      { numRuns: 300 },
    );
  });

  it('an event that needs nothing blanked or held goes on as the very same event', () => {
    const blanking = new LogprobsSecretTokens('openai-chat', new SecretRedactor(['sk-proj-abcdefghijklmnop']));
    const event: ServerSentEvent = { event: undefined, id: undefined, data: JSON.stringify({ choices: [{ index: 0, delta: { content: 'Paris.' }, logprobs: { content: [entryOf('Paris.')] } }] }) };
    expect(blanking.scrubbed(event, () => expect.unreachable())).toBe(event);
  });

  it("a refusal's logprobs are a text of their own, blanked and held apart from the content's", () => {
    const secret = 'sk-proj-REFUSALs3cr3t0123456789';
    const blanking = new LogprobsSecretTokens('openai-chat', new SecretRedactor([secret]));
    const out: ServerSentEvent[] = [];
    const push = (event: ServerSentEvent) => out.push(event);
    const chunk = (logprobs: Record<string, unknown>, finish: string | null = null): ServerSentEvent => ({ event: undefined, id: undefined, data: JSON.stringify({ choices: [{ index: 0, delta: {}, logprobs, finish_reason: finish }] }) });
    push(blanking.scrubbed(chunk({ content: [entryOf('Hi')], refusal: [entryOf('No: '), entryOf(secret.slice(0, 4))] }), push));
    push(blanking.scrubbed(chunk({ content: [entryOf(' there')], refusal: [entryOf(secret.slice(4))] }), push));
    push(blanking.scrubbed(chunk({ content: null, refusal: null }, 'stop'), push));
    const lists = out.map((each) => (JSON.parse(each.data) as { choices: Array<{ logprobs: { content: Entry[] | null; refusal: Entry[] | null } | null }> }).choices[0]!.logprobs);
    expect(lists.flatMap((each) => each?.content ?? []).map((each) => each.token)).toEqual(['Hi', ' there']);
    expect(lists.flatMap((each) => each?.refusal ?? []).map((each) => each.token)).toEqual(['No: ', '[REDACTED]', '']);
  });

  it('reads which requests ask for logprobs', () => {
    expect(asksForLogprobs('openai-chat', { logprobs: true })).toBe(true);
    expect(asksForLogprobs('openai-chat', { top_logprobs: 3 })).toBe(true);
    expect(asksForLogprobs('openai-chat', { logprobs: false })).toBe(false);
    expect(asksForLogprobs('openai-chat', {})).toBe(false);
    expect(asksForLogprobs('openai-responses', { include: ['message.output_text.logprobs'] })).toBe(true);
    expect(asksForLogprobs('openai-responses', { top_logprobs: 2 })).toBe(true);
    expect(asksForLogprobs('openai-responses', { include: ['reasoning.encrypted_content'] })).toBe(false);
    expect(asksForLogprobs('anthropic-messages', { logprobs: true })).toBe(false);
  });
});
