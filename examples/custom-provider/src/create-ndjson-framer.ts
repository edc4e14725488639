import { GatewayError, type ServerSentEvent, type StreamFramer } from '@switchyard/core';

/** A line longer than this is not an Acme stream line; refuse it rather than buffer without end. */
const maxLineBytes = 1024 * 1024;

/**
 * Splits a newline-delimited JSON body into events (`data` = one line). One
 * streaming TextDecoder keeps a character split between network chunks whole.
 */
export function createNdjsonFramer(provider: string): StreamFramer {
  const decoder = new TextDecoder('utf-8');
  let tail = '';

  const lines = (text: string): ServerSentEvent[] => {
    tail += text;
    // Split only when this chunk ends a line: splitting the whole tail on every chunk made a
    // long line sent in small chunks cost its length once per chunk.
    const complete = text.includes('\n') ? tail.split('\n') : [];
    if (complete.length > 0) tail = complete.pop()!;
    if (tail.length > maxLineBytes) {
      throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent a stream line over 1 MiB.`, { provider });
    }
    return complete.filter((line) => line.trim() !== '').map((data) => ({ event: undefined, data, id: undefined }));
  };

  return {
    feed: (chunk) => lines(decoder.decode(chunk, { stream: true })),
    end() {
      const events = lines(decoder.decode());
      if (tail.trim() !== '') {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream stream ended inside a line.`, { provider });
      }
      return events;
    },
  };
}
