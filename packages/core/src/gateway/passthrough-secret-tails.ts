import { blankSpans } from '../errors/html-references.js';
import type { SecretRedactor } from '../errors/redact-secrets.js';
import type { ServerSentEvent } from '../transport/server-sent-event.js';

/**
 * The keys whose string values carry a stream's text, in both dialects and the Responses API:
 * OpenAI's delta `content`, `reasoning_content`, `reasoning`, `refusal` and a tool call's
 * `arguments`; Anthropic's `text`, `thinking` and `partial_json`; a Responses event's `delta`.
 */
const textKeys = ['"content"', '"reasoning_content"', '"reasoning"', '"refusal"', '"arguments"', '"text"', '"thinking"', '"partial_json"', '"delta"'];

/** Where one text value is in an event's raw data: its key, and its characters between the quotes. */
interface TextValue {
  key: string;
  start: number;
  end: number;
}

/** A tail held back from the event it came in, and that event (to be written with the tail alone, if nothing continues it). */
interface HeldTail {
  key: string;
  /** Which text of the key (channelOf): a tail is put back only in front of the same text. */
  channel: number;
  tail: string;
  event: ServerSentEvent;
  value: TextValue;
}

/**
 * The fast path's counterpart of SecretScrubbingParts, on the upstream's raw events: a
 * known secret split across two or more events' text (a key the upstream echoes, token
 * by token) is blanked whole. When the one text value of an event that holds only text
 * ends in what may be the start of a secret (SecretRedactor.possibleStartAt, in its raw
 * JSON spelling), that tail is cut from the event and put in front of the same key's
 * text in the next event, whose data is then blanked as a whole; when the next event
 * has no such text (a finish, a block's stop, the end), the tail goes on first, in a copy
 * of the event it came in holding it alone (blanked if it is a long enough start to be
 * one). An event whose text ends in no possible start is looked at, never copied.
 */
export class PassthroughSecretTails {
  private held: HeldTail | undefined;
  /** The tail `joined` last put in front of an event's text, until that event goes on (passedOn): see releaseUnread. */
  private joinedTail: HeldTail | undefined;
  /** The end of the text last sent (SecretRedactor.keptFrom), its key and channel: a run of a secret begun there is held from the next event on. */
  private sentKey = '';
  private sentChannel = 0;
  private sent = '';

  constructor(private readonly redactor: SecretRedactor) {}

  /** Whether a tail is held back, to go on with the next event or alone. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** The held tail, as an event of its own, when `event` does not continue its text (undefined for the end of the stream). */
  releaseBefore(event: ServerSentEvent | undefined): ServerSentEvent | undefined {
    const held = this.held;
    if (held === undefined || (event !== undefined && continues(event.data, held))) return undefined;
    this.held = undefined;
    const { data } = held.event;
    const sent = this.sentText(held.key, held.channel);
    const text = sent + held.tail;
    this.remember(held.key, held.channel, text, text.length);
    return this.redacted({ ...held.event, data: data.slice(0, held.value.start) + this.redactor.redactSent(text, sent.length) + data.slice(held.value.end) });
  }

  /** The event's data with a held tail put back in front of its text (not blanked yet: see passedOn). */
  joined(event: ServerSentEvent): ServerSentEvent {
    const held = this.held;
    this.joinedTail = undefined;
    if (held === undefined) return event;
    this.held = undefined;
    const { data } = event;
    if (!continues(data, held)) return event;
    this.joinedTail = held;
    return { ...event, data: data.slice(0, found.start) + held.tail + data.slice(found.start) };
  }

  /**
   * The tail `joined` put in front of `event`'s text, as an event of its own (as releaseBefore
   * makes it), when `event` then could not be read: the stream ends there, and the tail would be
   * lost with it. Blanked where a secret that `event`'s text completes covers it; that text does not go on.
   */
  releaseUnread(event: ServerSentEvent): ServerSentEvent | undefined {
    const held = this.joinedTail;
    if (held === undefined || !continues(event.data, held)) return undefined;
    this.joinedTail = undefined;
    const sent = this.sentText(held.key, held.channel);
    this.sent = '';
    const end = sent.length + held.tail.length;
    const whole = sent + held.tail + event.data.slice(found.start, found.end);
    const spans = this.redactor.blankedSpans(whole);
    // Only the tail goes on: a span past it is cut at its end.
    for (let index = 1; index < spans.length; index += 2) spans[index] = Math.min(spans[index]!, end);
    const tail = blankSpans(whole.slice(0, end), spans, sent.length);
    const { data } = held.event;
    return this.redacted({ ...held.event, data: data.slice(0, held.value.start) + tail + data.slice(held.value.end) });
  }

  /** The event with the known secrets blanked in its data, and in its name, which the client reads too (an unknown event is passed on by name). */
  redacted(event: ServerSentEvent): ServerSentEvent {
    const data = this.redactor.redactKnown(event.data);
    const name = event.event === undefined ? undefined : this.redactor.redactKnown(event.event);
    return data === event.data && name === event.event ? event : { ...event, data, event: name };
  }

  /**
   * A joined event as it goes on: the tail of its text that may start a secret (or a quoted
   * end of one) cut off and held first, when it holds one text value and nothing else the
   * client reads in order (`textOnly`), then the known secrets blanked in the rest, and the
   * rest of one begun in what was sent of the same text before; the tail is blanked with
   * what completes it.
   */
  passedOn(event: ServerSentEvent, textOnly: boolean): ServerSentEvent {
    this.joinedTail = undefined;
    if (!textOnly || !findOnlyTextValue(event.data)) return this.redacted(this.carried(event));
    const { data } = event;
    const value = { key: only.key, start: only.start, end: only.end };
    const channel = channelOf(data, value.start);
    const sent = this.sentText(value.key, channel);
    // Nothing kept of the text sent (it ended in a space, a stop): the text is looked at in place.
    const text = sent === '' ? data : sent + data.slice(value.start, value.end);
    const from = sent === '' ? value.start : sent.length;
    const to = sent === '' ? value.end : text.length;
    const at = this.redactor.possibleStartAt(text, from, to, sent === '' ? from : 0);
    this.remember(value.key, channel, text, at, from - sent.length);
    if (at < to) this.held = { key: value.key, channel, tail: text.slice(at, to), event, value };
    const said = sent === '' ? undefined : this.redactor.redactSent(text, from, at);
    if (at === to && (said === undefined || said === data.slice(value.start, value.end))) return this.redacted(event);
    return this.redacted({ ...event, data: data.slice(0, value.start) + (said ?? data.slice(value.start, value.start + at - from)) + data.slice(value.end) });
  }

  /** The event with the rest of a secret begun in what was sent blanked in its text value of the same text, if it has one; nothing is kept sent after it. */
  private carried(event: ServerSentEvent): ServerSentEvent {
    const sent = this.sent;
    if (sent === '') return event;
    this.sent = '';
    const { data } = event;
    if (!findTextValue(data, this.sentKey, 0) || channelOf(data, found.start) !== this.sentChannel) return event;
    const { start, end } = found;
    const said = this.redactor.redactSent(sent + data.slice(start, end), sent.length);
    return said === data.slice(start, end) ? event : { ...event, data: data.slice(0, start) + said + data.slice(end) };
  }

  private sentText(key: string, channel: number): string {
    return this.sent !== '' && this.sentKey === key && this.sentChannel === channel ? this.sent : '';
  }

  /** The end of `text` up to `at` (from `floor` on) as what was last sent of the key's text on the channel. */
  private remember(key: string, channel: number, text: string, at: number, floor = 0): void {
    this.sentKey = key;
    this.sentChannel = channel;
    this.sent = text.slice(this.redactor.keptFrom(text, at, floor), at);
  }
}

/** Whether `data`'s first text value of the held key is the same text (then at `found`). */
function continues(data: string, held: HeldTail): boolean {
  return findTextValue(data, held.key, 0) && channelOf(data, found.start) === held.channel;
}

/**
 * Which text a value is of its key: the `"index":` numbers before it (an OpenAI choice's
 * and tool call's, an Anthropic block's), folded into one number. Two calls' arguments,
 * or two blocks' text, are two texts: a tail of one is never put in front of the other.
 */
function channelOf(data: string, before: number): number {
  let channel = 0;
  for (let at = data.indexOf('"index":', 0); at >= 0 && at < before; at = data.indexOf('"index":', at + 1)) {
    let position = skipSpaces(data, at + 8);
    let number = 0;
    for (let code = data.charCodeAt(position); code >= 0x30 && code <= 0x39; code = data.charCodeAt(++position)) number = (number * 10 + code - 0x30) % 1_000_003;
    channel = (channel * 31 + number + 1) % 1_000_000_007;
  }
  return channel;
}

/** Where the last value found is; reused, so looking allocates nothing (one event is looked at a time). */
const found = { start: 0, end: 0 };

/** The one text value in `data`, if there is exactly one (into `only`). */
const only: { key: string; start: number; end: number } = { key: '', start: 0, end: 0 };

function findOnlyTextValue(data: string): boolean {
  let count = 0;
  for (let index = 0; index < textKeys.length; index++) {
    const key = textKeys[index]!;
    for (let from = 0; findTextValue(data, key, from); from = found.end) {
      if (++count > 1) return false;
      only.key = key;
      only.start = found.start;
      only.end = found.end;
    }
  }
  return count === 1;
}

/**
 * Finds the first string value of `key` in `data` from `from` on (into `found`): the key,
 * spaces, a colon, spaces and a quote, to the quote that ends the string. A JSON string's
 * own quotes are escaped, so a bare-quoted key followed by a colon is a key.
 */
function findTextValue(data: string, key: string, from: number): boolean {
  for (let at = data.indexOf(key, from); at >= 0; at = data.indexOf(key, at + 1)) {
    let position = skipSpaces(data, at + key.length);
    if (data.charCodeAt(position) !== 0x3a) continue;
    position = skipSpaces(data, position + 1);
    if (data.charCodeAt(position) !== 0x22) continue;
    const start = position + 1;
    for (let index = start; index < data.length; index++) {
      const code = data.charCodeAt(index);
      if (code === 0x5c) index++;
      else if (code === 0x22) {
        found.start = start;
        found.end = index;
        return true;
      }
    }
    return false;
  }
  return false;
}

function skipSpaces(data: string, from: number): number {
  let position = from;
  for (let code = data.charCodeAt(position); code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d; code = data.charCodeAt(++position));
  return position;
}
