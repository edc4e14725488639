import type { ChatRequest } from '../canonical/chat-request.js';
import type { StreamPart } from '../canonical/stream-part.js';
import type { Usage } from '../canonical/usage.js';
import type { PassthroughEvent } from '../plugin/provider-types.js';
import { GeneratedOutput } from '../pricing/generated-output.js';

/**
 * Past this many characters of held event text, the held events are read at once:
 * memory stays bounded, and only answers longer than this pay for reading them.
 */
export const maxHeldCharacters = 64 * 1024;

/**
 * What a streamed answer tells the bill: the provider's final usage, or, for a stream
 * cut before it came, an estimate of what was generated (GeneratedOutput).
 *
 * On the fast path a lazy provider tap leaves content-only events unread. They are
 * held here as they came and read only when the stream ends without a final usage
 * (or when the held text passes maxHeldCharacters), so the estimate counts every
 * character delivered, as if each event had been read on arrival.
 */
export class StreamPartTap {
  private final: Usage | undefined;
  private readonly generated = new GeneratedOutput();
  private held: PassthroughEvent[] = [];
  private heldCharacters = 0;

  /** Counts one canonical part. */
  addPart(part: StreamPart): void {
    if (part.type === 'usage' && !part.partial) this.final = part.usage;
    this.generated.add(part);
  }

  /** Counts one fast-path event: its parts, or its text when the provider's tap left it unread. */
  addEvent(item: PassthroughEvent): void {
    if (item.unread && item.event) {
      this.held.push(item);
      this.heldCharacters += item.event.data.length;
      if (this.heldCharacters > maxHeldCharacters) this.readHeld();
      return;
    }
    for (const part of item.parts) this.addPart(part);
  }

  /** Whether the provider's final usage came (else `usage` is an estimate). */
  get hasFinalUsage(): boolean {
    return this.final !== undefined;
  }

  /** What to bill: the provider's final usage, else the estimate; undefined when the provider sent nothing. */
  usage(request: ChatRequest | undefined): Usage | undefined {
    if (this.final) return this.final;
    this.readHeld();
    return this.generated.usage(request);
  }

  private readHeld(): void {
    for (const item of this.held) {
      for (const part of item.unread!.read(item.event!)) this.addPart(part);
    }
    this.held = [];
    this.heldCharacters = 0;
  }
}
