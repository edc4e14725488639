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

  /**
   * Whether the provider's final usage came with counts billed as they are: false when it
   * never came, or counted 0 for a prompt, or for an answer that streamed output (then
   * `usage` completes it with the estimate, as `withBillableUsage` does a whole answer's).
   */
  get hasFinalUsage(): boolean {
    const final = this.final;
    if (!final) return false;
    if (final.inputTokens > 0 && final.outputTokens > 0) return true;
    // A 0 the estimate does not replace (an empty answer's output) is the provider's count.
    const completed = this.completedFinal;
    return completed !== undefined && completed.inputTokens === final.inputTokens && completed.outputTokens === final.outputTokens;
  }

  /** What `usage` made of a final usage that counted 0 (see `hasFinalUsage`). */
  private completedFinal: Usage | undefined;

  /**
   * What to bill: the provider's final usage, else the estimate; undefined when the provider
   * sent nothing. A final usage that counts 0 input, or 0 output for an answer that streamed
   * some, is unknown there, not free: that count is the estimate's (a server that ends its
   * streams with zeros had every streamed answer billed $0, the same answer whole its estimate).
   */
  usage(request: ChatRequest | undefined): Usage | undefined {
    const final = this.final;
    if (final && final.inputTokens > 0 && final.outputTokens > 0) return final;
    this.readHeld();
    const generated = this.generated.usage(request);
    if (!final) return generated;
    // Only the counts that are 0 are the estimate's; the others are the provider's, as for a whole answer.
    const completed: Usage | undefined = generated && {
      ...generated,
      inputTokens: final.inputTokens > 0 ? final.inputTokens : generated.inputTokens,
      outputTokens: final.outputTokens > 0 ? final.outputTokens : generated.outputTokens,
    };
    if (completed?.reasoningTokens !== undefined && completed.reasoningTokens > completed.outputTokens) completed.reasoningTokens = completed.outputTokens;
    this.completedFinal = completed;
    if (completed === undefined || (completed.inputTokens === final.inputTokens && completed.outputTokens === final.outputTokens)) return final;
    return completed;
  }

  private readHeld(): void {
    for (const item of this.held) {
      for (const part of item.unread!.read(item.event!)) this.addPart(part);
    }
    this.held = [];
    this.heldCharacters = 0;
  }
}
