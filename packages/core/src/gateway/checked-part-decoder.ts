import type { StreamPart } from '../canonical/stream-part.js';
import type { StreamDecoder } from '../plugin/provider-types.js';
import type { ServerSentEvent } from '../transport/server-sent-event.js';
import type { PartDecoder } from '../transport/upstream-part-stream.js';
import { checkedDirectPart } from './check-direct-answer.js';

/**
 * An HTTP adapter's stream decoder, its parts checked as a direct operation's are
 * (checkedDirectPart). A third-party decoder is its author's word: a part missing its
 * text (`{ type: 'text-delta', text }`) was written to the client as `"content":undefined`,
 * which no client parses. A malformed part now throws upstream_invalid_response, which
 * the part stream turns into a 502 before the first byte or an error event after it.
 * A well-formed part is kept as it is: no allocation per token.
 */
export class CheckedPartDecoder implements PartDecoder<StreamPart> {
  constructor(
    private readonly decoder: StreamDecoder & { decodeInto?(event: ServerSentEvent, into: StreamPart[]): void },
    private readonly provider: string,
  ) {}

  decode(event: ServerSentEvent): StreamPart[] {
    const parts: StreamPart[] = [];
    this.decodeInto(event, parts);
    return parts;
  }

  decodeInto(event: ServerSentEvent, into: StreamPart[]): void {
    const from = into.length;
    if (this.decoder.decodeInto) this.decoder.decodeInto(event, into);
    else pushAll(into, this.decoder.decode(event));
    this.check(into, from);
  }

  end(): StreamPart[] {
    const parts = this.decoder.end();
    if (!Array.isArray(parts)) throw notAList('end');
    this.check(parts, 0);
    return parts;
  }

  isComplete(): boolean {
    return this.decoder.isComplete?.() ?? false;
  }

  /**
   * Checks `parts` from `from` on, in place; a usage part that cannot be billed by is left
   * out. A malformed part and those after it are cut before the throw: the parts before
   * it are handed out, then the error (UpstreamPartStream), never the malformed part.
   */
  private check(parts: StreamPart[], from: number): void {
    let index = from;
    try {
      while (index < parts.length) {
        const checked = checkedDirectPart(parts[index], this.provider);
        if (checked === undefined) parts.splice(index, 1);
        else parts[index++] = checked;
      }
    } catch (error) {
      parts.length = index;
      throw error;
    }
  }
}

function pushAll<Item>(into: Item[], items: Item[]): void {
  // One part where a list belongs (an easy slip in JavaScript) was read as none: an empty answer served as complete.
  if (!Array.isArray(items)) throw notAList('decode');
  for (let index = 0; index < items.length; index++) into.push(items[index]!);
}

function notAList(method: string): TypeError {
  return new TypeError(`the stream decoder's ${method}() returned no list of parts`);
}
