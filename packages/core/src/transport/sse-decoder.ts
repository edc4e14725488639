import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';
import type { StreamFramer } from '../plugin/provider-types.js';
import type { ServerSentEvent } from './server-sent-event.js';

/**
 * Turns the bytes of a text/event-stream body into events, one network chunk at a
 * time. Synchronous, so a stream costs no extra async step per event. The UTF-8
 * decoder keeps a character split across two chunks whole (Node's StringDecoder:
 * several times quicker per chunk than a streaming TextDecoder); eventsource-parser
 * handles LF, CR and CRLF line endings (Gemini sends CRLF) and multi-line data.
 */
export class SseDecoder implements StreamFramer {
  private readonly text = new StringDecoder('utf8');
  /** No text decoded yet: a byte order mark would still be dropped. */
  private atStart = true;
  private readonly parser: EventSourceParser;
  private pending: ServerSentEvent[] = [];
  /** Set when an event grew past maxStreamEventChars: the parser dropped it and takes no more. */
  private tooLarge = false;

  constructor() {
    this.parser = createParser({
      // The parser makes a fresh { id, event, data } per event, every key written even
      // when undefined: kept as it is rather than copied.
      onEvent: (message) => {
        this.pending.push(message as ServerSentEvent);
      },
      // A field the format does not know (`retry` of text, `foo:`) is skipped, as the format says.
      onError: (error: ParseError) => {
        if (error.type === 'max-buffer-size-exceeded') this.tooLarge = true;
      },
      maxBufferSize: maxStreamEventChars,
    });
  }

  /** The events completed by this chunk (often one, sometimes none or several). */
  feed(chunk: Uint8Array | string): ServerSentEvent[] {
    if (this.tooLarge) throw new StreamEventTooLargeError();
    this.parser.feed(typeof chunk === 'string' ? chunk : this.decoded(this.text.write(chunk)));
    return this.take();
  }

  /** What is left when the body ends: a last event the server closed without its blank line. */
  end(): ServerSentEvent[] {
    const rest = this.decoded(this.text.end());
    if (rest && !this.tooLarge) this.parser.feed(rest);
    if (!this.tooLarge) this.parser.feed('\n\n');
    return this.take();
  }

  /** The text as it reads, without the byte order mark a body may start with (as TextDecoder drops it). */
  private decoded(text: string): string {
    if (!this.atStart || text === '') return text;
    this.atStart = false;
    return text.charCodeAt(0) === byteOrderMark ? text.slice(1) : text;
  }

  private take(): ServerSentEvent[] {
    if (this.tooLarge) throw new StreamEventTooLargeError();
    if (this.pending.length === 0) return noEvents;
    const events = this.pending;
    this.pending = [];
    return events;
  }
}

/**
 * The most characters one event (its data lines and the line being read) may hold. An
 * event is held whole until its blank line: without a bound of its own, one line could
 * grow to `limits.stream_max_bytes` (256 MiB) in memory, then be joined and parsed, per
 * stream. 32 MiB is far above any real event (a high-resolution image inline in base64
 * is a few MiB).
 */
export const maxStreamEventChars = 32 * 1024 * 1024;

/** An event of a text/event-stream body grew past maxStreamEventChars (mapStreamDecodeError names the provider). */
export class StreamEventTooLargeError extends Error {
  constructor() {
    super(`a stream event passed ${maxStreamEventChars} characters`);
    this.name = 'StreamEventTooLargeError';
  }
}

const noEvents: ServerSentEvent[] = [];
const byteOrderMark = 0xfeff;
