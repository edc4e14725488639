import type { StreamPart } from '../canonical/stream-part.js';
import type { SecretRedactor } from '../errors/redact-secrets.js';
import type { PassthroughEvent, StreamDecoder, UnreadEventReader } from '../plugin/provider-types.js';
import { isJsonTextDeeperThan } from '../http/scan-json-text.js';
import { carriesLogprobs, LogprobsSecretTokens, type LogprobsDialect } from './logprobs-secret-tokens.js';
import { PassthroughSecretTails } from './passthrough-secret-tails.js';
import { maxUpstreamJsonDepth } from '../transport/parse-upstream-json.js';
import type { PartDecoder } from '../transport/upstream-part-stream.js';
import type { ServerSentEvent } from '../transport/server-sent-event.js';

const noParts: readonly StreamPart[] = Object.freeze([]);

/** A part of a text a client reads in order, all a text-only event gives: its tail may be held (passthrough-secret-tails.ts). */
function isTextDelta(part: StreamPart): boolean {
  return part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'refusal-delta' || part.type === 'tool-call-delta';
}

/** Events held before the answer begins at most: past them the stream goes on as it is (a bound, not a shape any provider sends). */
const maxHeldEvents = 16;

/**
 * The fast path's tap of one stream: each upstream event beside what the adapter's
 * decoder read from it. With a content-only test (ChatPassthroughAdapter.isContentOnly)
 * the tap is lazy: an event that can only hold content is not decoded but handed on
 * marked unread, and decoded later only if someone needs its parts (billing a cut
 * stream, the first token of a traced one). The first event is always decoded: it
 * names the stream (id, model) that the client's encoder renames from. So is an
 * event nested deeper than maxUpstreamJsonDepth (a content-only test looks at keys,
 * not depth): the decoder refuses it as the translated path does, rather than the
 * client being handed what the gateway would not read (a length check for most
 * events; see isJsonTextDeeperThan), and every event while the decoder needs them
 * in order (StreamDecoder.needsContent).
 *
 * An event that is decoded goes on with the provider's own secrets blanked in its
 * text: it is the one that may hold more than content (an error in a shape or under
 * a name the decoder does not know, a field echoing the key), and it reaches the
 * client as it came. Content-only events are left as they are (the model's words;
 * reading each would cost what the lazy tap saves).
 *
 * Events before the answer begins (before the first that gives the decoder a part: an
 * Anthropic `ping`, an event of a kind added later, the end marker alone) are held
 * and handed on with that first one. A stream ends up a 200 only once it began, as on
 * the translated path, where such events make no part: one that ends (`[DONE]` or
 * `message_stop` alone) or breaks off before it began fails before its first byte,
 * retryable, rather than as a 200 holding a `ping` and an error event.
 */
export class PassthroughTap implements PartDecoder<PassthroughEvent>, UnreadEventReader {
  private first = true;
  /** Whether an event gave the decoder a part: the answer began, and events go on as they come. */
  private begun = false;
  /** The events before the answer began (see above), at most maxHeldEvents. */
  private held: PassthroughEvent[] | undefined;
  /** A known secret split across events' text, blanked whole (passthrough-secret-tails.ts); none when no secret is known. */
  private readonly tails: PassthroughSecretTails | undefined;
  /**
   * Whether the tail held now was counted already: its event was decoded whole, before the tail
   * was cut. Then it is not read again, joined to the next event or going on alone (each
   * character is counted once, as billing a cut stream estimates from them); else it is read with it.
   */
  private tailCounted = false;
  /**
   * The blanking of logprobs tokens (logprobs-secret-tokens.ts), before anything else reads the
   * event: made at once for a request that asked for logprobs, else when an event first carries
   * some (an upstream may send them unasked); none for a provider with no secret.
   */
  private logprobs: LogprobsSecretTokens | undefined;
  /** Whether every event is read for logprobs: asked for, or an event carried some. */
  private logprobsOn: boolean;

  constructor(
    private readonly decoder: StreamDecoder,
    private readonly isContentOnly: ((event: ServerSentEvent) => boolean) | undefined,
    private readonly redactor?: SecretRedactor,
    /** The answer's dialect when it may carry logprobs (and the provider has secrets); `asked`: the request asked for them. */
    private readonly logprobsDialect?: LogprobsDialect,
    asked = false,
  ) {
    if (redactor?.knowsSecrets) this.tails = new PassthroughSecretTails(redactor);
    this.logprobsOn = asked && logprobsDialect !== undefined && redactor !== undefined;
    if (this.logprobsOn) this.logprobs = new LogprobsSecretTokens(logprobsDialect!, redactor!);
  }

  decode(event: ServerSentEvent): PassthroughEvent[] {
    const into: PassthroughEvent[] = [];
    this.decodeInto(event, into);
    return into;
  }

  /** The stream reads events through this: no one-element array per event. */
  decodeInto(event: ServerSentEvent, into: PassthroughEvent[]): void {
    const scrubbed = this.logprobsDialect ? this.logprobsScrubbed(event, into) : event;
    this.releaseTail(scrubbed, into);
    try {
      this.handOn(this.tapped(scrubbed), into);
    } catch (error) {
      this.releaseUnread(scrubbed, into);
      throw error;
    }
  }

  /** A tail held from the last event's text and put in front of this one's, which could not be read: it goes on before the error. */
  private releaseUnread(event: ServerSentEvent, into: PassthroughEvent[]): void {
    let released = this.tails?.releaseUnread(event);
    if (released === undefined) return;
    if (this.logprobsOn) released = this.logprobs!.withoutEntries(released);
    this.handOn(this.tailCounted ? { event: released, parts: noParts } : { event: released, parts: noParts, unread: this }, into);
  }

  /** The event with its logprobs tokens blanked, after the entries held back that it does not continue (in copies without text, blanked as a whole event is). */
  private logprobsScrubbed(event: ServerSentEvent, into: PassthroughEvent[]): ServerSentEvent {
    const carries = this.logprobsOn || carriesLogprobs(event.data);
    if (carries === false) return event;
    const logprobs = (this.logprobs ??= new LogprobsSecretTokens(this.logprobsDialect!, this.redactor!));
    const scrubbed = logprobs.scrubbed(event, (released) => this.handOn({ event: this.tails?.redacted(released) ?? released, parts: noParts }, into));
    // Once a text's logprobs were read, every later event is too: it may continue or end that text.
    if (carries === true || logprobs.reading) this.logprobsOn = true;
    return scrubbed;
  }

  /** A tail held back from the last event's text goes on first when this event does not continue it. */
  private releaseTail(event: ServerSentEvent | undefined, into: PassthroughEvent[]): void {
    let released = this.tails?.releaseBefore(event);
    // The tail's copy of its event: that event's logprobs entries already went on with it.
    if (released !== undefined && this.logprobsOn) released = this.logprobs!.withoutEntries(released);
    if (released !== undefined) this.handOn(this.tailCounted ? { event: released, parts: noParts } : { event: released, parts: noParts, unread: this }, into);
  }

  /**
   * An event the body ended inside of is always read: cut off (`{"type":"content_block_delta","ind`),
   * the content-only test may still pass it, and the client would be handed broken JSON.
   */
  decodeLastInto(event: ServerSentEvent, into: PassthroughEvent[]): void {
    this.first = false;
    const scrubbed = this.logprobsDialect ? this.logprobsScrubbed(event, into) : event;
    this.releaseTail(scrubbed, into);
    try {
      this.handOn(this.readEvent(scrubbed, false), into);
    } catch (error) {
      this.releaseUnread(scrubbed, into);
      throw error;
    }
  }

  /** Pushes the event, or holds it while the answer has not begun (see the class). */
  private handOn(tapped: PassthroughEvent, into: PassthroughEvent[]): void {
    // An unread event was let through as content: the answer began.
    const begins = tapped.parts.length > 0 || tapped.unread !== undefined;
    if (this.begun || (begins && this.held === undefined)) {
      this.begun = true;
      into.push(tapped);
      return;
    }
    const held = (this.held ??= []);
    held.push(tapped);
    if (!begins && held.length < maxHeldEvents) return;
    this.begun = true;
    this.held = undefined;
    for (let index = 0; index < held.length; index++) into.push(held[index]!);
  }

  private tapped(event: ServerSentEvent): PassthroughEvent {
    if (this.first) this.first = false;
    else if (this.isContentOnly?.(event) && !this.decoder.needsContent?.() && !isJsonTextDeeperThan(event.data, maxUpstreamJsonDepth)) {
      const tails = this.tails;
      if (!tails) return { event, parts: noParts, unread: this };
      // Left unread, it would be read later with a tail already counted in front of it (rare: read now, without the tail).
      if (!(this.tailCounted && tails.holding)) {
        this.tailCounted = false;
        return { event: tails.passedOn(tails.joined(event), true), parts: noParts, unread: this };
      }
    }
    return this.readEvent(event, true);
  }

  /**
   * Decoded with the provider's own secrets blanked in its text (and a tail held from the
   * last event's text put back in front of this one's); its own tail that may start a
   * secret cut off and held when it holds text alone (`mayHold`: not the stream's last). The
   * decoder reads the tail put back only when it was not counted yet (tailCounted).
   */
  private readEvent(event: ServerSentEvent, mayHold: boolean): PassthroughEvent {
    const tails = this.tails;
    if (!tails) return { event, parts: this.decoder.decode(event) };
    const joined = tails.joined(event);
    const parts = this.decoder.decode(tails.redacted(this.tailCounted ? event : joined));
    this.tailCounted = true;
    return { event: tails.passedOn(joined, mayHold && parts.length > 0 && parts.every(isTextDelta)), parts };
  }

  isComplete(): boolean {
    return this.decoder.isComplete?.() ?? false;
  }

  /** The decoder's last parts, after any events still held; when it refuses the end (a stream that never began), they are dropped with it. */
  end(): PassthroughEvent[] {
    let released = this.tails?.releaseBefore(undefined);
    if (released !== undefined && this.logprobsOn) released = this.logprobs!.withoutEntries(released);
    const parts = this.decoder.end();
    const events = this.held ?? [];
    this.held = undefined;
    this.logprobs?.end((entries) => events.push({ event: this.tails?.redacted(entries) ?? entries, parts: noParts }));
    if (released !== undefined) events.push(this.tailCounted ? { event: released, parts: noParts } : { event: released, parts: noParts, unread: this });
    if (parts.length > 0) events.push({ parts });
    return events;
  }

  read(event: ServerSentEvent): readonly StreamPart[] {
    try {
      return this.decoder.decode(event);
    } catch {
      // Unreadable (not JSON, an impossible shape): it went out as it came and counts for nothing.
      return noParts;
    }
  }
}
