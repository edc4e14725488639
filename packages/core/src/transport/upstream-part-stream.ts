import type { Readable } from 'node:stream';
import type { StreamPart } from '../canonical/stream-part.js';
import type { StreamDecoder, StreamFramer } from '../plugin/provider-types.js';
import { SseDecoder } from './sse-decoder.js';
import { mapTransportError } from './upstream-transport.js';

/**
 * The canonical parts of an upstream stream body (SSE unless the adapter brings
 * its own framer), as an async iterator. One network
 * chunk usually holds several events; their parts are handed out from a buffer
 * without another read or another async step, which is most of a stream's cost
 * per token. Stopping early (the client left, an error) destroys the body so the
 * connection is released rather than drained.
 */
export class UpstreamPartStream implements AsyncIterableIterator<StreamPart> {
  private readonly body: AsyncIterator<Buffer>;
  private readonly framer: StreamFramer;
  private buffer: StreamPart[] = [];
  private position = 0;
  private ended = false;

  constructor(
    private readonly source: Readable,
    private readonly decoder: StreamDecoder,
    private readonly provider: string,
    private readonly signal: AbortSignal,
    framer?: StreamFramer,
  ) {
    this.body = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.framer = framer ?? new SseDecoder();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamPart>> {
    if (this.position < this.buffer.length) return Promise.resolve({ value: this.buffer[this.position++]!, done: false });
    return this.fill();
  }

  async return(): Promise<IteratorResult<StreamPart>> {
    this.finish(true);
    return { value: undefined, done: true };
  }

  private async fill(): Promise<IteratorResult<StreamPart>> {
    try {
      while (!this.ended) {
        const chunk = await this.body.next();
        const parts: StreamPart[] = [];
        if (chunk.done) {
          this.ended = true;
          for (const event of this.framer.end()) parts.push(...this.decoder.decode(event));
          parts.push(...this.decoder.end());
        } else {
          for (const event of this.framer.feed(chunk.value)) parts.push(...this.decoder.decode(event));
        }
        if (parts.length > 0) {
          this.buffer = parts;
          this.position = 1;
          return { value: parts[0]!, done: false };
        }
      }
      return { value: undefined, done: true };
    } catch (error) {
      this.finish(true);
      throw mapTransportError(error, this.provider, this.signal);
    }
  }

  private finish(early: boolean): void {
    this.ended = true;
    this.buffer = [];
    if (early && !this.source.readableEnded) this.source.destroy();
  }
}
