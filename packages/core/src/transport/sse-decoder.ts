import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { StreamFramer } from '../plugin/provider-types.js';
import type { ServerSentEvent } from './server-sent-event.js';

/**
 * Turns the bytes of a text/event-stream body into events, one network chunk at a
 * time. Synchronous, so a stream costs no extra async step per event. The UTF-8
 * decoder keeps a character split across two chunks whole; eventsource-parser
 * handles LF, CR and CRLF line endings (Gemini sends CRLF) and multi-line data.
 */
export class SseDecoder implements StreamFramer {
  private readonly text = new TextDecoder('utf-8');
  private readonly parser: EventSourceParser;
  private pending: ServerSentEvent[] = [];

  constructor() {
    this.parser = createParser({
      // The parser makes a fresh { id, event, data } per event, every key written even
      // when undefined: kept as it is rather than copied.
      onEvent: (message) => {
        this.pending.push(message as ServerSentEvent);
      },
    });
  }

  /** The events completed by this chunk (often one, sometimes none or several). */
  feed(chunk: Uint8Array | string): ServerSentEvent[] {
    this.parser.feed(typeof chunk === 'string' ? chunk : this.text.decode(chunk, streaming));
    return this.take();
  }

  /** What is left when the body ends: a last event the server closed without its blank line. */
  end(): ServerSentEvent[] {
    const rest = this.text.decode();
    if (rest) this.parser.feed(rest);
    this.parser.feed('\n\n');
    return this.take();
  }

  private take(): ServerSentEvent[] {
    if (this.pending.length === 0) return noEvents;
    const events = this.pending;
    this.pending = [];
    return events;
  }
}

const noEvents: ServerSentEvent[] = [];
/** A multi-byte character split across two chunks waits for the rest. */
const streaming = { stream: true };
