import { constants, createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
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
 * The content codings the gateway decompresses, each made once the first bytes are in.
 * The gateway asks for `identity`, but a server (or a proxy before it) that ignores
 * `accept-encoding` still answers. The flush flag makes each piece of input give all
 * the output it can at once, so a compressed event stream is still read event by event.
 */
const decompressors: Record<string, (first: Buffer) => Transform> = {
  gzip: () => createGunzip({ flush: constants.Z_SYNC_FLUSH }),
  'x-gzip': () => createGunzip({ flush: constants.Z_SYNC_FLUSH }),
  // HTTP's deflate is zlib-wrapped (RFC 9110), but some servers send raw deflate under the
  // name: a first byte that is no zlib header (method 8, window of at most 32 KiB) is raw.
  deflate: (first) => (isZlibHeader(first[0]!) ? createInflate({ flush: constants.Z_SYNC_FLUSH }) : createInflateRaw({ flush: constants.Z_SYNC_FLUSH })),
  br: () => createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH }),
};

/** Whether a byte can be the first of a zlib stream (CMF: compression method 8, CINFO 7 or less). A raw stream's would be a non-final stored block with padding bits set. */
function isZlibHeader(byte: number): boolean {
  return (byte & 0x0f) === 8 && byte >> 4 <= 7;
}

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
  /** Made on the first compressed chunk (raw deflate is told apart by its first byte). */
  private zlib: Transform | undefined;
  /** undici finished the answer: no more pausing, resuming or cutting it. */
  private upstreamDone = false;
  /** The body was cut before any byte came: nothing is to be decompressed. */
  private dropped = false;

  constructor(
    private readonly flow: FeedFlow,
    private readonly coding: string,
    private readonly provider: string,
  ) {
    this.body = new UpstreamBody({
      pause: () => this.zlib?.pause(),
      resume: () => this.zlib?.resume(),
      abort: (reason) => {
        this.dropped = true;
        this.zlib?.destroy();
        this.cutUpstream(reason);
      },
    });
  }

  /** A compressed chunk from undici. */
  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.dropped) return;
    const zlib = (this.zlib ??= this.started(chunk));
    if (zlib.destroyed) return;
    if (!zlib.write(chunk) && !this.upstreamDone) this.flow.pause();
  }

  private started(first: Buffer): Transform {
    const zlib = decompressors[this.coding]!(first);
    zlib.on('data', (chunk: Buffer) => this.body.push(chunk));
    zlib.once('end', () => this.body.end());
    zlib.once('error', this.unreadable);
    zlib.on('drain', () => {
      if (!this.upstreamDone) this.flow.resume();
    });
    return zlib;
  }

  /** undici finished the answer: what zlib holds is flushed, then the body ends (or fails, when the data was cut short). */
  end(): void {
    this.upstreamDone = true;
    // No byte at all (a 204, an empty body under a coding's name) is an empty body.
    if (this.zlib === undefined) this.body.end();
    else if (!this.zlib.destroyed) this.zlib.end();
  }

  /** The answer broke off upstream. */
  fail(error: Error): void {
    this.upstreamDone = true;
    this.zlib?.destroy();
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
