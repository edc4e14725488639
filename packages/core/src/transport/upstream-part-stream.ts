import type { StreamPart } from '../canonical/stream-part.js';
import type { GatewayError } from '../errors/gateway-error.js';
import { redactGatewayError } from '../errors/redact-gateway-error.js';
import type { SecretRedactor } from '../errors/redact-secrets.js';
import type { StreamFramer } from '../plugin/provider-types.js';
import type { ServerSentEvent } from './server-sent-event.js';
import type { CancelSource } from './attempt-cancel.js';
import { mapBodyReadError, mapStreamDecodeError } from './map-body-read-error.js';
import { SseDecoder } from './sse-decoder.js';
import type { ReadyItems } from './take-ready.js';
import type { UpstreamBody } from './upstream-body.js';
import type { UpstreamBodyGuard } from './upstream-body-guard.js';

/** What an UpstreamPartStream reads, and how. */
export interface UpstreamPartStreamOptions<Part = StreamPart> {
  /** The upstream response body. */
  body: UpstreamBody;
  /** The adapter's decoder for this one stream (on the fast path, one that keeps each event beside its parts). */
  decoder: PartDecoder<Part>;
  /** The provider id, for error messages. */
  provider: string;
  /** The client's signal: an abort is the client leaving, not the upstream failing. */
  signal: CancelSource;
  /** Blanks the provider's secrets in every error the stream ends with. */
  redactor: SecretRedactor;
  /** Holds the body to its size and duration bounds. */
  guard?: UpstreamBodyGuard;
  /** For streams that are not text/event-stream (Bedrock's event stream). */
  framer?: StreamFramer;
}

/** A StreamDecoder, or anything that turns events into items the same way. */
export interface PartDecoder<Part> {
  decode(event: ServerSentEvent): Part[];
  /** Does what decode does, pushing onto `into` instead of returning a new array (one fewer array per event). */
  decodeInto?(event: ServerSentEvent, into: Part[]): void;
  /**
   * Decodes an event the body ended inside of (no blank line after it): it may be cut
   * off, so a decoder that leaves some events unread (the fast path's lazy tap) reads
   * this one. Without it, decodeInto (or decode) is used.
   */
  decodeLastInto?(event: ServerSentEvent, into: Part[]): void;
  end(): Part[];
  /** See StreamDecoder.isComplete. */
  isComplete?(): boolean;
}

/** How long an upstream's body may stay open after its end-of-stream marker before it is cut. */
const afterEndGraceMs = 1000;

/**
 * The canonical parts of an upstream stream body (SSE unless the adapter brings
 * its own framer), as an async iterator. One network chunk usually holds several
 * events; their parts are handed out from a buffer without another read or
 * another async step, which is most of a stream's cost per token. When an event
 * of a chunk is an error, the parts decoded before it are handed out first and
 * the error after them. Stopping early (the client left, an error) destroys the
 * body so the connection is released rather than drained.
 */
export class UpstreamPartStream<Part extends object = StreamPart> implements AsyncIterableIterator<Part>, ReadyItems<Part> {
  private readonly body: UpstreamBody;
  private readonly framer: StreamFramer;
  private readonly buffer: Part[] = [];
  private position = 0;
  private ended = false;
  /** An error met after some parts of the same chunk; thrown once those are out. */
  private failure: GatewayError | undefined;

  constructor(private readonly options: UpstreamPartStreamOptions<Part>) {
    this.body = options.body;
    this.framer = options.framer ?? new SseDecoder();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Part>> {
    if (this.position < this.buffer.length) return Promise.resolve({ value: this.buffer[this.position++]!, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      this.finish(true);
      return Promise.reject(failure);
    }
    return this.fill();
  }

  /** The next part of the chunk already read, if any (an error waits for `next()`, after them). */
  takeReady(): Part | undefined {
    return this.position < this.buffer.length ? this.buffer[this.position++] : undefined;
  }

  async return(): Promise<IteratorResult<Part>> {
    this.finish(true);
    return { value: undefined, done: true };
  }

  private async fill(): Promise<IteratorResult<Part>> {
    try {
      while (!this.ended) {
        let chunk = this.body.read();
        while (chunk === undefined) {
          await this.body.more();
          chunk = this.body.read();
        }
        // The buffer was handed out whole before fill() is called: reused, not replaced.
        const parts = this.buffer;
        parts.length = 0;
        this.position = 0;
        try {
          this.decodeInto(parts, chunk);
        } catch (error) {
          // An event that came whole but could not be read, not a connection that ended early.
          const failure = this.mappedDecodeError(error);
          if (parts.length === 0) throw failure;
          this.ended = true;
          this.failure = failure;
        }
        if (parts.length > 0) {
          this.position = 1;
          return { value: parts[0]!, done: false };
        }
      }
      return { value: undefined, done: true };
    } catch (error) {
      this.finish(true);
      throw this.mapped(error);
    }
  }

  /** Pushes part by part, so what was decoded before a throw is kept. */
  private decodeInto(parts: Part[], chunk: Buffer | null): void {
    const { decoder } = this.options;
    if (chunk === null) {
      this.ended = true;
      decodeLast(decoder, this.framer.end(), parts);
      pushAll(parts, decoder.end());
      return;
    }
    this.options.guard?.count(chunk);
    decodeAll(decoder, this.framer.feed(chunk), parts);
    if (decoder.isComplete?.()) {
      // The upstream said the stream is over: the answer ends here, whatever the body does next.
      this.ended = true;
      pushAll(parts, decoder.end());
      void drainThenCut(this.body);
    }
  }

  private mapped(error: unknown): GatewayError {
    const { provider, signal, guard, redactor } = this.options;
    return redactGatewayError(mapBodyReadError(error, provider, signal, guard), redactor);
  }

  private mappedDecodeError(error: unknown): GatewayError {
    const { provider, signal, guard, redactor } = this.options;
    return redactGatewayError(mapStreamDecodeError(error, provider, signal, guard), redactor);
  }

  private finish(early: boolean): void {
    this.ended = true;
    this.buffer.length = 0;
    this.position = 0;
    if (early) this.body.destroy();
  }
}

/**
 * Each event's items pushed onto `into`, in order; what was decoded before a throw stays
 * there. None after the upstream's end marker (`[DONE]`, `message_stop`): events that came
 * in the same read after it are not the answer's (they reached the client as more text,
 * a second finish and usage, where the fast path drops them).
 */
function decodeAll<Part>(decoder: PartDecoder<Part>, events: ServerSentEvent[], into: Part[]): void {
  for (let index = 0; index < events.length; index++) {
    if (decoder.decodeInto) decoder.decodeInto(events[index]!, into);
    else pushAll(into, decoder.decode(events[index]!));
    if (decoder.isComplete?.()) return;
  }
}

/** decodeAll for the events a framer gave at the body's end: decodeLastInto when the decoder has it. */
function decodeLast<Part>(decoder: PartDecoder<Part>, events: ServerSentEvent[], into: Part[]): void {
  if (!decoder.decodeLastInto) return decodeAll(decoder, events, into);
  for (let index = 0; index < events.length; index++) {
    decoder.decodeLastInto(events[index]!, into);
    if (decoder.isComplete?.()) return;
  }
}

/** `into.push(...items)` without spreading the items into an argument list. */
function pushAll<Item>(into: Item[], items: Item[]): void {
  for (let index = 0; index < items.length; index++) into.push(items[index]!);
}

/**
 * The rest of a body after the upstream's end-of-stream marker, read and dropped. It
 * normally ends right there, and reading it to its end keeps the connection for the
 * next request; one the upstream keeps open (keep-alive comments after `[DONE]`) is
 * cut after a moment instead of holding a connection until the stream's time limit.
 */
async function drainThenCut(body: UpstreamBody): Promise<void> {
  const cut = setTimeout(() => body.destroy(), afterEndGraceMs);
  cut.unref();
  try {
    for (let chunk = body.read(); chunk !== null; chunk = body.read()) {
      if (chunk === undefined) await body.more();
    }
  } catch {
    // Failed or cut after the marker: the answer was already complete.
  } finally {
    clearTimeout(cut);
  }
}
