import { SseDecoder } from './sse-decoder.js';
import type { ServerSentEvent } from './server-sent-event.js';

/** Parses a whole byte stream as Server-Sent Events; see SseDecoder. */
export async function* decodeSseStream(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<ServerSentEvent> {
  const decoder = new SseDecoder();
  for await (const chunk of body) yield* decoder.feed(chunk);
  yield* decoder.end();
}
