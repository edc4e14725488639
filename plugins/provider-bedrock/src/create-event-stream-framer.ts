import { GatewayError, type ServerSentEvent, type StreamFramer } from '@switchyard/core';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** A frame larger than this is taken for corruption rather than buffered (the AWS SDKs cap messages at 16 MiB). */
const maxFrameBytes = 16 * 1024 * 1024;
/** Prelude (12 bytes) plus the message CRC (4). */
const minFrameBytes = 16;

/**
 * Splits an `application/vnd.amazon.eventstream` body into events. Frames are
 * reassembled across network chunks by their length prefix and decoded (CRCs
 * checked) with smithy's codec. Each frame becomes `{ event: :event-type, data:
 * payload as UTF-8 }`; an exception frame is named by its `:exception-type`
 * (`throttlingException` …) and an error frame `error` (its `:error-code` in the data), so the
 * decoder can throw the mapped error. A corrupt frame after good ones in the same chunk fails
 * the next call: the good frames go out first (thrown at once, a stream that had begun was
 * lost whole, a 502 billed nothing).
 */
export function createEventStreamFramer(provider = 'bedrock'): StreamFramer {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  /**
   * The bytes of frames not yet whole, as they came: joined only once a frame is whole (or
   * its length prefix is wanted). Joined on every chunk, a 16 MiB frame sent in 64 KiB
   * chunks was copied 256 times over (1.4 s of a blocked event loop; minutes in 1 KiB chunks).
   */
  let chunks: Buffer[] = [];
  let buffered = 0;

  function invalid(message: string, cause?: unknown): GatewayError {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream ${message}.`, { provider, cause });
  }

  /** The buffered bytes as one buffer (copied only when there is more than one chunk). */
  function joined(): Buffer {
    if (chunks.length > 1) chunks = [Buffer.concat(chunks, buffered)];
    return chunks[0]!;
  }

  /** The corrupt frame met after good ones in the same chunk: thrown by the next call. */
  let failure: GatewayError | undefined;

  return {
    feed(chunk: Uint8Array): ServerSentEvent[] {
      if (failure) throw failure;
      // A copy: the caller may reuse its chunk's memory once feed returns.
      chunks.push(Buffer.from(chunk));
      buffered += chunk.length;
      const events: ServerSentEvent[] = [];
      try {
        while (buffered >= 4) {
          const total = (chunks[0]!.length >= 4 ? chunks[0]! : joined()).readUInt32BE(0);
          if (total < minFrameBytes || total > maxFrameBytes) throw invalid(`sent an event-stream frame of impossible length ${total}`);
          if (buffered < total) break;
          const all = joined();
          events.push(toEvent(all.subarray(0, total)));
          chunks = buffered === total ? [] : [all.subarray(total)];
          buffered -= total;
        }
      } catch (error) {
        if (events.length === 0) throw error;
        failure = error as GatewayError;
      }
      return events;
    },
    end(): ServerSentEvent[] {
      if (failure) throw failure;
      if (buffered > 0) throw invalid('stream ended inside an event-stream frame');
      return [];
    },
  };

  function toEvent(frame: Uint8Array): ServerSentEvent {
    let message;
    try {
      message = codec.decode(frame);
    } catch (error) {
      throw invalid('sent a corrupt event-stream frame', error);
    }
    const header = (name: string): string | undefined => {
      const value = message.headers[name];
      return value?.type === 'string' ? value.value : undefined;
    };
    const data = toUtf8(message.body);
    switch (header(':message-type')) {
      case 'exception':
        return { event: header(':exception-type') ?? 'exception', data: data || '{}', id: undefined };
      case 'error':
        // Error frames carry their code and message in headers, not in the payload.
        return {
          event: 'error',
          data: JSON.stringify({ code: header(':error-code'), message: header(':error-message') ?? 'stream error' }),
          id: undefined,
        };
      default:
        return { event: header(':event-type'), data, id: undefined };
    }
  }
}
