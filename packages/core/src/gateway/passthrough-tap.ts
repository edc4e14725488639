import type { StreamPart } from '../canonical/stream-part.js';
import type { SecretRedactor } from '../errors/redact-secrets.js';
import type { PassthroughEvent, StreamDecoder, UnreadEventReader } from '../plugin/provider-types.js';
import { isJsonTextDeeperThan } from '../http/scan-json-text.js';
import { maxUpstreamJsonDepth } from '../transport/parse-upstream-json.js';
import type { PartDecoder } from '../transport/upstream-part-stream.js';
import type { ServerSentEvent } from '../transport/server-sent-event.js';

const noParts: readonly StreamPart[] = Object.freeze([]);

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
 */
export class PassthroughTap implements PartDecoder<PassthroughEvent>, UnreadEventReader {
  private first = true;
  /** What the decoder's end() gave when the stream's first event already ended it (see readFirst). */
  private endedEarly: StreamPart[] | undefined;

  constructor(
    private readonly decoder: StreamDecoder,
    private readonly isContentOnly: ((event: ServerSentEvent) => boolean) | undefined,
    private readonly redactor?: SecretRedactor,
  ) {}

  decode(event: ServerSentEvent): PassthroughEvent[] {
    return [this.tapped(event)];
  }

  /** The stream reads events through this: no one-element array per event. */
  decodeInto(event: ServerSentEvent, into: PassthroughEvent[]): void {
    into.push(this.tapped(event));
  }

  /**
   * An event the body ended inside of is always read: cut off (`{"type":"content_block_delta","ind`),
   * the content-only test may still pass it, and the client would be handed broken JSON.
   */
  decodeLastInto(event: ServerSentEvent, into: PassthroughEvent[]): void {
    into.push(this.first ? this.readFirst(event) : this.readEvent(event));
  }

  /**
   * The first event, always read. When it is the stream's end marker alone (`[DONE]`,
   * `message_stop`), the decoder's end() is asked at once, before the event is handed
   * on: it refuses a stream that never began, and the call fails before its first byte
   * (502, retryable), as on the translated path, where the marker makes no part.
   */
  private readFirst(event: ServerSentEvent): PassthroughEvent {
    this.first = false;
    const read = this.readEvent(event);
    if (read.parts.length === 0 && this.decoder.isComplete?.()) this.endedEarly = this.decoder.end();
    return read;
  }

  private tapped(event: ServerSentEvent): PassthroughEvent {
    if (this.first) return this.readFirst(event);
    if (this.isContentOnly?.(event) && !this.decoder.needsContent?.() && !isJsonTextDeeperThan(event.data, maxUpstreamJsonDepth)) return { event, parts: noParts, unread: this };
    return this.readEvent(event);
  }

  private readEvent(event: ServerSentEvent): PassthroughEvent {
    const data = this.redactor ? this.redactor.redactKnown(event.data) : event.data;
    const read = data === event.data ? event : { ...event, data };
    return { event: read, parts: this.decoder.decode(read) };
  }

  isComplete(): boolean {
    return this.decoder.isComplete?.() ?? false;
  }

  end(): PassthroughEvent[] {
    const parts = this.endedEarly ?? this.decoder.end();
    return parts.length > 0 ? [{ parts }] : [];
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
