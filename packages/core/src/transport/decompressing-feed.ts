import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { GatewayError } from '../errors/gateway-error.js';
import { UpstreamBody } from './upstream-body.js';

/** What the feed asks of the request: undici's dispatch controller. */
export interface FeedFlow {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

/**
 * The content codings the gateway decompresses. It asks for `identity`, but a server
 * (or a proxy before it) that ignores `accept-encoding` still answers. The flush flag
 * makes each piece of input give all the output it can at once, so a compressed event
 * stream is still read event by event.
 */
const decompressors: Record<string, () => Transform> = {
  gzip: () => createGunzip({ flush: constants.Z_SYNC_FLUSH }),
  'x-gzip': () => createGunzip({ flush: constants.Z_SYNC_FLUSH }),
  deflate: () => createInflate({ flush: constants.Z_SYNC_FLUSH }),
  br: () => createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH }),
};

/** Whether `coding` (as namedContentCoding names it) is one the gateway decompresses. */
export function isDecompressible(coding: string): boolean {
  return Object.hasOwn(decompressors, coding);
}

/**
 * A compressed answer's body: undici's chunks go through zlib, and the body holds what
 * comes out, so every reader counts decompressed bytes against `limits.stream_max_bytes`
 * as it counts a plain body's. Backpressure runs the whole way: a body past its
 * high-water mark pauses zlib's output, zlib then stops inflating (its readable side
 * full) and refuses input, which pauses undici. A decompression bomb so never holds more
 * than a few buffers' worth: the reader counts its way to the size bound, and the cut
 * destroys zlib and the request. Bytes zlib cannot read fail the body with a 502 that
 * names the coding.
 */
export class DecompressingFeed {
  readonly body: UpstreamBody;
  private readonly zlib: Transform;
  /** undici finished the answer: no more pausing, resuming or cutting it. */
  private upstreamDone = false;

  constructor(
    private readonly flow: FeedFlow,
    private readonly coding: string,
    private readonly provider: string,
  ) {
    const zlib = decompressors[coding]!();
    this.zlib = zlib;
    this.body = new UpstreamBody({
      pause: () => zlib.pause(),
      resume: () => zlib.resume(),
      abort: (reason) => {
        zlib.destroy();
        this.cutUpstream(reason);
      },
    });
    zlib.on('data', (chunk: Buffer) => this.body.push(chunk));
    zlib.once('end', () => this.body.end());
    zlib.once('error', this.unreadable);
    zlib.on('drain', () => {
      if (!this.upstreamDone) flow.resume();
    });
  }

  /** A compressed chunk from undici. */
  push(chunk: Buffer): void {
    if (this.zlib.destroyed) return;
    if (!this.zlib.write(chunk) && !this.upstreamDone) this.flow.pause();
  }

  /** undici finished the answer: what zlib holds is flushed, then the body ends (or fails, when the data was cut short). */
  end(): void {
    this.upstreamDone = true;
    if (!this.zlib.destroyed) this.zlib.end();
  }

  /** The answer broke off upstream. */
  fail(error: Error): void {
    this.upstreamDone = true;
    this.zlib.destroy();
    this.body.fail(error);
  }

  private readonly unreadable = (error: Error): void => {
    const failure = new GatewayError(
      'upstream_invalid_response',
      `The ${this.provider} upstream sent a ${this.coding}-encoded answer that could not be decompressed (${zlibReason(error)}).`,
      { provider: this.provider, cause: error },
    );
    this.body.fail(failure);
    this.cutUpstream(failure);
  };

  private cutUpstream(reason: Error): void {
    if (this.upstreamDone) return;
    this.upstreamDone = true;
    this.flow.abort(reason);
  }
}

/** zlib's own words, bounded (they name the fault, never the data). */
function zlibReason(error: Error): string {
  return error.message.slice(0, 100);
}
