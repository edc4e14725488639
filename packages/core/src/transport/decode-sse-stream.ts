import { createParser } from 'eventsource-parser';
import type { ServerSentEvent } from './server-sent-event.js';

/**
 * Parses a byte stream as Server-Sent Events. The UTF-8 decoder keeps a character
 * that is split across two network chunks whole, and eventsource-parser handles
 * LF, CR and CRLF line endings (Gemini sends CRLF).
 */
export async function* decodeSseStream(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder('utf-8');
  let pending: ServerSentEvent[] = [];
  const parser = createParser({
    onEvent: (message) => {
      pending.push({ event: message.event, data: message.data, id: message.id });
    },
  });
  for await (const chunk of body) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (pending.length > 0) {
      const ready = pending;
      pending = [];
      yield* ready;
    }
  }
  const rest = decoder.decode();
  if (rest) parser.feed(rest);
  // A last event without its blank line still counts: some servers close right after it.
  parser.feed('\n\n');
  yield* pending;
}
