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

/** What a stream is billed, and whether that is the provider's final usage as it came. */
interface Reckoning {
  readonly usage: Usage | undefined;
  readonly final: boolean;
}

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
  /** The bill for what was counted so far, derived when first asked and dropped by the next item counted. */
  private reckoned: Reckoning | undefined;

  /** `request`: the request streamed, whose prompt is estimated when the provider's input count is missing. */
  constructor(private readonly request: ChatRequest | undefined) {}

  /** Counts one canonical part. */
  addPart(part: StreamPart): void {
    this.reckoned = undefined;
    if (part.type === 'usage' && !part.partial) this.final = part.usage;
    this.generated.add(part);
  }

  /** Counts one fast-path event: its parts, or its text when the provider's tap left it unread. */
  addEvent(item: PassthroughEvent): void {
    if (item.unread && item.event) {
      this.reckoned = undefined;
      this.held.push(item);
      this.heldCharacters += item.event.data.length;
      if (this.heldCharacters > maxHeldCharacters) this.readHeld();
      return;
    }
    for (const part of item.parts) this.addPart(part);
  }

  /**
   * What to bill: the provider's final usage, else the estimate; undefined when the provider
   * sent nothing. A final usage that counts 0 input, or 0 output for an answer that streamed
   * some, is unknown there, not free: that count is the estimate's (a server that ends its
   * streams with zeros had every streamed answer billed $0, the same answer whole its estimate).
   */
  usage(): Usage | undefined {
    return this.reckon().usage;
  }

  /**
   * Whether `usage` is the provider's final usage billed as it came: false when it never
   * came, or when a count of it was 0 and the estimate's is not (a prompt, or an answer that
   * streamed output). An empty answer's output of 0 is the provider's count.
   */
  get hasFinalUsage(): boolean {
    return this.reckon().final;
  }

  private reckon(): Reckoning {
    return (this.reckoned ??= this.derive());
  }

  /** The one place the bill is made, for `usage` and `hasFinalUsage` alike. */
  private derive(): Reckoning {
    const final = this.final;
    if (final && final.inputTokens > 0 && final.outputTokens > 0) return { usage: final, final: true };
    this.readHeld();
    const generated = this.generated.usage(this.request);
    if (!final) return { usage: generated, final: false };
    // Only the counts that are 0 are the estimate's; the others are the provider's, as for a whole answer.
    const completed: Usage | undefined = generated && {
      ...generated,
      inputTokens: final.inputTokens > 0 ? final.inputTokens : generated.inputTokens,
      outputTokens: final.outputTokens > 0 ? final.outputTokens : generated.outputTokens,
    };
    if (completed === undefined || (completed.inputTokens === final.inputTokens && completed.outputTokens === final.outputTokens)) return { usage: final, final: true };
    if (completed.reasoningTokens !== undefined && completed.reasoningTokens > completed.outputTokens) completed.reasoningTokens = completed.outputTokens;
    return { usage: completed, final: false };
  }

  private readHeld(): void {
    for (const item of this.held) {
      for (const part of item.unread!.read(item.event!)) this.addPart(part);
    }
    this.held = [];
    this.heldCharacters = 0;
  }
}
