import { decodeSseStream, type StreamDecoder, type StreamPart } from '@switchyard/core';

/** Every part a provider's stream decoder makes of a whole SSE text, read as one network chunk, its end included. */
export async function decodeSseText(decoder: Pick<StreamDecoder, 'decode' | 'end'>, text: string): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  async function* bytes() {
    yield Buffer.from(text, 'utf8');
  }
  for await (const event of decodeSseStream(bytes())) parts.push(...decoder.decode(event));
  parts.push(...decoder.end());
  return parts;
}
