import type { SecretRedactor } from '../errors/redact-secrets.js';
import type { PassthroughDialect } from '../plugin/provider-types.js';
import { isJsonTextDeeperThan } from '../http/scan-json-text.js';
import { maxUpstreamJsonDepth } from '../transport/parse-upstream-json.js';
import type { ServerSentEvent } from '../transport/server-sent-event.js';

type JsonObject = Record<string, unknown>;

/** The dialects whose answers carry logprobs: OpenAI Chat (`choices[].logprobs.content/refusal`) and the Responses API (`logprobs` lists). */
export type LogprobsDialect = Extract<PassthroughDialect, 'openai-chat' | 'openai-responses'>;

/**
 * Whether the client's body asks for logprobs: Chat's `logprobs` / `top_logprobs`, the
 * Responses API's `top_logprobs` or `include: ["message.output_text.logprobs"]`. Only
 * such a request's answer is read for them (a few property reads a request, none an event).
 */
export function asksForLogprobs(dialect: PassthroughDialect, body: JsonObject): dialect is LogprobsDialect {
  if (dialect === 'openai-chat') return (body.logprobs !== undefined && body.logprobs !== null && body.logprobs !== false) || isSet(body.top_logprobs);
  if (dialect !== 'openai-responses') return false;
  return isSet(body.top_logprobs) || (Array.isArray(body.include) && body.include.includes('message.output_text.logprobs'));
}

/** The dialect when its answers may carry logprobs (asked for or not). */
export function logprobsDialectOf(dialect: PassthroughDialect): LogprobsDialect | undefined {
  return dialect === 'openai-chat' || dialect === 'openai-responses' ? dialect : undefined;
}

/**
 * Whether an event's (or answer's) raw text may carry logprobs the client did not ask for
 * (an upstream may send them anyway): `true` when a `"logprobs"` key holds an object or a
 * list that is not empty, `'maybe'` when the text escapes a character that `logprobs` is
 * spelled with (`\u0067`…`\u0073`: a key spelled with escapes would hide; only a parse
 * tells), else `false`: the usual event (`"logprobs":null`, a Responses delta's
 * `"logprobs":[]`) costs a string search, no parse. Escapes of other characters (a server
 * writing all text outside ASCII as `\u4e2d`, as Python's json does) cannot spell the key,
 * so they cost no parse either.
 */
export function carriesLogprobs(text: string): boolean | 'maybe' {
  for (let at = text.indexOf('"logprobs"'); at !== -1; at = text.indexOf('"logprobs"', at + 10)) {
    let index = skipSpaces(text, at + 10);
    if (text.charCodeAt(index) !== 58 /* : */) continue;
    index = skipSpaces(text, index + 1);
    const opens = text.charCodeAt(index);
    if (opens === 123 /* { */) return true;
    if (opens === 91 /* [ */ && text.charCodeAt(skipSpaces(text, index + 1)) !== 93 /* ] */) return true;
  }
  return escapedLowercaseLetter.test(text) ? 'maybe' : false;
}

/** A JSON escape of a character from `` ` `` to DEL, the lower-case letters among them. */
const escapedLowercaseLetter = /\\u00[67]/;

function skipSpaces(text: string, index: number): number {
  let at = index;
  for (let code = text.charCodeAt(at); code === 32 || code === 9 || code === 10 || code === 13; code = text.charCodeAt(++at));
  return at;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== 0;
}

/** One text read as logprobs entries, as a stream hands them on: what is held back, and what was sent of it. */
interface Channel {
  held: JsonObject[];
  /** The end of the tokens' text last sent (SecretRedactor.keptFrom): a run of a secret begun there is blanked from the next entries on. */
  sent: string;
  /** The last event that carried the text's entries (parsed, and its SSE name): a held entry goes on alone in a copy of it. */
  template: JsonObject;
  name: string | undefined;
  /** Chat: the choice and the list (`content` or `refusal`); Responses: unused. */
  index: unknown;
  list: 'content' | 'refusal';
}

/**
 * The fast path's blanking of the provider's own secrets in the logprobs of an answer
 * that asked for them: each entry's `token` (and its `top_logprobs`' tokens) is a piece
 * of the answer's text, so a key the model repeats is in them as it is in the content.
 * The tokens of one text are read joined, as the content is (SecretRedactor's spans of
 * the joined text, each token blanked where one covers it: the first token of a secret
 * reads `[REDACTED]`, the others of it ``), and `bytes` are written again from a token
 * that was blanked, so they agree. In a stream, entries whose tokens end in what may be
 * the start of a secret (SecretRedactor.possibleStartAt) are held back and put in front
 * of the same text's next entries; when the text does not go on (its choice's finish, a
 * usage chunk, `[DONE]`, a Responses event other than the text's deltas, the end), they
 * go on first, blanked if a long enough start, in a copy of the last event that carried
 * them with no text. The entries are read from the parsed event (its `\u` escapes
 * undone), which is written again only when something changed.
 */
export class LogprobsSecretTokens {
  private readonly channels = new Map<string, Channel>();
  /** The SSE name of the event being read. */
  private name: string | undefined;

  constructor(
    private readonly dialect: LogprobsDialect,
    private readonly redactor: SecretRedactor,
  ) {}

  /** The event with its logprobs tokens blanked; `release` is handed first the copies holding entries this event does not continue. */
  scrubbed(event: ServerSentEvent, release: (event: ServerSentEvent) => void): ServerSentEvent {
    // Nested past the bound, the tap's decoder refuses it (and the stream ends): not walked, nor written again, here.
    const parsed = isJsonTextDeeperThan(event.data, maxUpstreamJsonDepth) ? undefined : parseObject(event.data);
    if (parsed === undefined) {
      this.releaseAll(release);
      return event;
    }
    this.name = event.event;
    const changed = this.dialect === 'openai-chat' ? this.scrubChunk(parsed, release) : this.scrubResponsesEvent(parsed, release);
    return changed ? { ...event, data: JSON.stringify(parsed) } : event;
  }

  /** Whether a text's logprobs were read: the stream's later events must all be read here, as they may continue or end it. */
  get reading(): boolean {
    return this.channels.size > 0;
  }

  /** The entries still held when the stream ends, each text's in a copy of its last event. */
  end(release: (event: ServerSentEvent) => void): void {
    this.releaseAll(release);
  }

  /**
   * A copy of an event the stream's text tail goes on in alone (PassthroughSecretTails):
   * its streamed entries already went on with the event, so the copy holds none.
   */
  withoutEntries(event: ServerSentEvent): ServerSentEvent {
    const parsed = parseObject(event.data);
    if (parsed === undefined) return event;
    if (this.dialect === 'openai-responses') {
      if (parsed.type !== 'response.output_text.delta' || !Array.isArray(parsed.logprobs)) return event;
      parsed.logprobs = [];
    } else {
      if (!Array.isArray(parsed.choices)) return event;
      for (const choice of parsed.choices) {
        const logprobs = isObject(choice) ? choice.logprobs : undefined;
        if (!isObject(logprobs)) continue;
        if (Array.isArray(logprobs.content)) logprobs.content = [];
        if (Array.isArray(logprobs.refusal)) logprobs.refusal = [];
      }
    }
    return { ...event, data: JSON.stringify(parsed) };
  }

  private scrubChunk(chunk: JsonObject, release: (event: ServerSentEvent) => void): boolean {
    const choices = chunk.choices;
    // A chunk of no choice (usage, an error): every text ended.
    if (!Array.isArray(choices) || choices.length === 0) {
      this.releaseAll(release);
      return false;
    }
    let changed = false;
    for (const choice of choices) {
      if (!isObject(choice)) continue;
      const finished = choice.finish_reason !== undefined && choice.finish_reason !== null;
      const logprobs = choice.logprobs;
      for (const list of ['content', 'refusal'] as const) {
        const key = `${String(choice.index)}:${list}`;
        const entries = isObject(logprobs) ? logprobs[list] : undefined;
        if (Array.isArray(entries)) {
          const channel = this.channelOf(key, chunk, choice.index, list);
          const scrubbed = scrubEntries(channel, entries, finished, this.redactor);
          if (scrubbed !== entries) {
            (logprobs as JsonObject)[list] = scrubbed;
            changed = true;
          }
          if (finished) this.channels.delete(key);
        } else if (finished) this.release(key, release);
      }
    }
    return changed;
  }

  private scrubResponsesEvent(event: JsonObject, release: (event: ServerSentEvent) => void): boolean {
    if (event.type === 'response.output_text.delta' && Array.isArray(event.logprobs)) {
      const key = `${String(event.output_index)}:${String(event.content_index)}`;
      for (const other of [...this.channels.keys()]) if (other !== key) this.release(other, release);
      const scrubbed = scrubEntries(this.channelOf(key, event, undefined, 'content'), event.logprobs, false, this.redactor);
      if (scrubbed === event.logprobs) return false;
      event.logprobs = scrubbed;
      return true;
    }
    this.releaseAll(release);
    // Any other event (the text's `done`, a part's or item's, the final Response) holds whole lists: each read on its own.
    return scrubWholeLists(event, this.redactor);
  }

  private channelOf(key: string, template: JsonObject, index: unknown, list: 'content' | 'refusal'): Channel {
    let channel = this.channels.get(key);
    if (channel === undefined) this.channels.set(key, (channel = { held: [], sent: '', template, name: this.name, index, list }));
    channel.template = template;
    channel.name = this.name;
    return channel;
  }

  private releaseAll(release: (event: ServerSentEvent) => void): void {
    if (this.channels.size === 0) return;
    for (const key of [...this.channels.keys()]) this.release(key, release);
  }

  /** The channel's held entries, blanked as the end of their text, in a copy of its last event without text. */
  private release(key: string, release: (event: ServerSentEvent) => void): void {
    const channel = this.channels.get(key);
    if (channel === undefined) return;
    this.channels.delete(key);
    if (channel.held.length === 0) return;
    const entries = scrubEntries(channel, [], true, this.redactor);
    const copy = this.dialect === 'openai-responses' ? { ...channel.template, delta: '', logprobs: entries } : chunkCopy(channel, entries);
    release({ event: channel.name, data: JSON.stringify(copy), id: undefined });
  }
}

/**
 * The entries of a text that go on now, blanked (the list itself when nothing changed);
 * unless `final`, those whose tokens may start a secret are held in the channel, to be
 * read with the text's next entries.
 */
function scrubEntries(channel: Channel, entries: unknown[], final: boolean, redactor: SecretRedactor): unknown[] {
  const all = channel.held.length > 0 ? [...channel.held, ...entries] : entries;
  channel.held = [];
  let text = channel.sent;
  const ends: number[] = [];
  for (const entry of all) {
    text += tokenOf(entry);
    ends.push(text.length);
  }
  const from = channel.sent.length;
  const at = final ? text.length : redactor.possibleStartAt(text, from, text.length, 0);
  let kept = 0;
  while (kept < all.length && ends[kept]! <= at) kept++;
  if (kept > 0 && kept < all.length) kept = keptBeforeSecrets(redactor.blankedSpans(text), ends, kept);
  const cut = kept === 0 ? from : ends[kept - 1]!;
  if (kept < all.length) channel.held = all.slice(kept) as JsonObject[];
  const spans = redactor.blankedSpans(text.slice(0, cut));
  channel.sent = text.slice(redactor.keptFrom(text, cut), cut);
  let out: unknown[] | undefined = kept < all.length || all !== entries ? all.slice(0, kept) : undefined;
  // Whether a span's `[REDACTED]` was written: in the first entry of these it covers.
  const written: boolean[] = [];
  let start = from;
  for (let index = 0; index < kept; index++) {
    const entry = all[index];
    const blanked = blankedEntry(entry, text, start, ends[index]!, spans, written, redactor);
    start = ends[index]!;
    if (blanked === entry) continue;
    out ??= all.slice(0, kept);
    out[index] = blanked;
  }
  return out ?? entries;
}

/**
 * How many of the `kept` entries go on now: none that ends inside a secret whole in the text
 * read and running on into an entry held back (a tail that may start an escape, `…KEY \\`).
 * Sent apart, the piece before the cut was too short to blank, and the rest, read later, no
 * longer held the secret whole: it reached the client as it came.
 */
function keptBeforeSecrets(spans: number[], ends: number[], kept: number): number {
  let count = kept;
  for (let moved = true; moved && count > 0; ) {
    moved = false;
    const cut = ends[count - 1]!;
    for (let index = 0; index < spans.length; index += 2) {
      if (spans[index]! < cut && spans[index + 1]! > cut) {
        count--;
        moved = true;
        break;
      }
    }
  }
  return count;
}

/** A chat chunk holding only the channel's entries: no text, no finish, no usage. */
function chunkCopy(channel: Channel, entries: unknown[]): JsonObject {
  const { choices: _choices, ...rest } = channel.template;
  const logprobs = channel.list === 'content' ? { content: entries, refusal: null } : { content: null, refusal: entries };
  return { ...rest, ...('usage' in rest && { usage: null }), choices: [{ index: channel.index, delta: {}, logprobs, finish_reason: null }] };
}

/**
 * A whole answer's logprobs blanked in place (Chat's `choices[].logprobs`, the Responses
 * API's `output[].content[].logprobs`, and any list under a `logprobs` key): each list
 * is one text. Whether anything changed.
 */
export function scrubWholeLists(value: unknown, redactor: SecretRedactor): boolean {
  if (Array.isArray(value)) {
    let changed = false;
    for (const item of value) changed = scrubWholeLists(item, redactor) || changed;
    return changed;
  }
  if (!isObject(value)) return false;
  let changed = false;
  for (const [name, field] of Object.entries(value)) {
    if (name === 'logprobs' && Array.isArray(field)) changed = replaceList(value, name, field, redactor) || changed;
    else if (name === 'logprobs' && isObject(field)) {
      for (const list of ['content', 'refusal'] as const) if (Array.isArray(field[list])) changed = replaceList(field, list, field[list], redactor) || changed;
    } else if (typeof field === 'object' && field !== null) changed = scrubWholeLists(field, redactor) || changed;
  }
  return changed;
}

function replaceList(owner: JsonObject, name: string, entries: unknown[], redactor: SecretRedactor): boolean {
  const scrubbed = scrubEntries({ held: [], sent: '', template: {}, name: undefined, index: undefined, list: 'content' }, entries, true, redactor);
  if (scrubbed === entries) return false;
  owner[name] = scrubbed;
  return true;
}

/**
 * An entry whose token runs from `start` to `end` of `text`, blanked where `spans` cover it
 * (a span's `[REDACTED]` in the first entry it covers, from `start` on), its bytes written
 * again (`written` says which spans' blanks went in earlier entries); its alternatives blanked too: the one that is the token as the token is, a piece
 * of a secret where the token was blanked, and any holding a secret whole. The same entry
 * when nothing changed.
 */
function blankedEntry(entry: unknown, text: string, start: number, end: number, spans: number[], written: boolean[], redactor: SecretRedactor): unknown {
  if (!isObject(entry) || typeof entry.token !== 'string') return entry;
  let token = '';
  let position = start;
  for (let index = 0; index < spans.length; index += 2) {
    const spanStart = spans[index]!;
    const spanEnd = spans[index + 1]!;
    if (spanEnd <= start || spanStart >= end) continue;
    if (spanStart > position) token += text.slice(position, spanStart);
    // Begun in an earlier entry of these, its blank went there; begun in what was sent before, it goes here.
    if (!written[index]) token += '[REDACTED]';
    written[index] = true;
    position = Math.min(spanEnd, end);
  }
  const blanked = position === start && token === '' ? entry.token : token + text.slice(position, end);
  const tokenChanged = blanked !== entry.token;
  const alternatives = blankedAlternatives(entry.top_logprobs, entry.token, blanked, tokenChanged, redactor);
  if (!tokenChanged && alternatives === entry.top_logprobs) return entry;
  const copy: JsonObject = { ...entry, token: blanked };
  if (tokenChanged && Array.isArray(entry.bytes)) copy.bytes = bytesOf(blanked);
  if (alternatives !== entry.top_logprobs) copy.top_logprobs = alternatives;
  return copy;
}

function blankedAlternatives(alternatives: unknown, token: string, blanked: string, tokenChanged: boolean, redactor: SecretRedactor): unknown {
  if (!Array.isArray(alternatives)) return alternatives;
  let out: unknown[] | undefined;
  for (let index = 0; index < alternatives.length; index++) {
    const alternative: unknown = alternatives[index];
    if (!isObject(alternative) || typeof alternative.token !== 'string') continue;
    const said = alternative.token === token ? blanked : tokenChanged && redactor.isPieceOfSecret(alternative.token) ? '[REDACTED]' : redactor.redactKnown(alternative.token);
    if (said === alternative.token) continue;
    out ??= [...alternatives];
    out[index] = { ...alternative, token: said, ...(Array.isArray(alternative.bytes) && { bytes: bytesOf(said) }) };
  }
  return out ?? alternatives;
}

function bytesOf(token: string): number[] {
  return [...Buffer.from(token, 'utf8')];
}

function tokenOf(entry: unknown): string {
  return isObject(entry) && typeof entry.token === 'string' ? entry.token : '';
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseObject(data: string): JsonObject | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
