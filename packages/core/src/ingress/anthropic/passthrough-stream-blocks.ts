import { escapedKeyPattern } from '../../transport/json-text-patterns.js';
import { parseUpstreamJson } from '../../transport/parse-upstream-json.js';
import { isJsonObject, nonEmptyText } from '../../transport/upstream-wire-values.js';
import { hasMistypedText } from './anthropic-text-fields.js';
import { isBlankFragment, startsObject } from './tool-input-start.js';

type Json = Record<string, unknown>;

/**
 * The content blocks of an Anthropic stream on the fast path, started, numbered and
 * followed as the translated path writes them (the anthropic provider's stream decoder,
 * then AnthropicStreamEncoder), for what an SDK makes of them to be the same:
 *
 * - a block that is not an object or has no type that is text, and a `tool_use` without
 *   a name that is text, is left out with its deltas and stop (the decoder ignores it);
 * - a `tool_use`'s id that is not text is written `""`, its input `{}` unless an object
 *   (the decoder takes a whole input there as the call's arguments when no fragment of
 *   input follows, and the fragments otherwise, as the SDK does with what is written);
 * - a text or thinking block without its text starts with `""`;
 * - blocks are numbered 0, 1, 2 … in the order they start (the SDK pushes each start and
 *   finds a delta's block by its index); a delta or stop naming no block started is not
 *   written. The decoder finds a block by its start's index (`"x"`, 1e300, -1 …);
 * - a `tool_use` whose first fragment of input that is not blank begins no JSON object
 *   (`3}`, `[1`) reads `{}`, as the translated path writes it: that fragment is written
 *   `{}` and the block's later ones are not written (the SDK would throw parsing them).
 *
 * A stream numbered as Anthropic numbers it, whose blocks are all kept, costs a parse
 * per block start and nothing per unread delta (a read one, and a stop, a test of its
 * text); only after a block left out or numbered out of place are deltas and stops
 * parsed, to be numbered again; and while a `tool_use` block's input has not yet begun
 * (Anthropic's first fragment is empty) deltas are parsed, to find its first fragment.
 */
export class PassthroughStreamBlocks {
  /** Blocks written so far: the client's index of the next one. */
  private written = 0;
  /**
   * Once a block was left out or came out of place: the client's index of each upstream
   * index (null for a block left out). Until then every upstream index is its place.
   */
  private places: Map<unknown, number | null> | undefined;
  /**
   * `tool_use` blocks, by the client's index, whose input has not begun (true) or began as
   * no object (false); a block leaves once its input begins as an object.
   */
  private readonly toolInputs = new Map<number, boolean>();

  /** A `content_block_start`'s data as written, or undefined when the block is left out. */
  start(data: string): string | undefined {
    const parsed = readObject(data);
    // The decoder refused it: the stream ends there.
    if (parsed === undefined) return data;
    const block = typedBlock(parsed['content_block']);
    // As the decoder keys a start without an index: by the count of blocks started.
    const index = parsed['index'] ?? this.places?.size ?? this.written;
    const place = block === undefined ? null : this.written;
    // A start without its index is written with it, as every later one is after it.
    if (block?.['type'] === 'tool_use') this.toolInputs.set(this.written, true);
    if (this.places === undefined && parsed['index'] === place) {
      this.written++;
      return block === parsed['content_block'] ? data : JSON.stringify({ ...parsed, content_block: block });
    }
    this.places ??= new Map(Array.from({ length: this.written }, (_, at) => [at, at]));
    this.places.set(index, place);
    if (place === null) return undefined;
    this.written++;
    return JSON.stringify({ ...parsed, index: place, content_block: block });
  }

  /** A `content_block_delta`'s data as written (see follow), its tool input typed; undefined when not written. */
  followDelta(data: string, unread: boolean): string | undefined {
    const followed = this.follow(data, unread);
    return followed === undefined || this.toolInputs.size === 0 ? followed : this.withToolInputTyped(followed);
  }

  /**
   * A `content_block_delta`'s or `content_block_stop`'s data as written: numbered again
   * once blocks are, else as it came when its index names a block written; undefined
   * when it names none (the SDK threw on a delta before any block). An event the lazy
   * tap left unread names its block by digits (Anthropic's exact shape), and goes as it
   * came while blocks keep their places: one past the last is ignored by the SDK too.
   */
  follow(data: string, unread: boolean): string | undefined {
    if (this.places === undefined) {
      if (this.written === 0) return undefined;
      if (unread) return data;
      const plain = plainIndexOf(data);
      if (plain !== undefined) return plain < this.written ? data : undefined;
    }
    const parsed = readObject(data);
    // Unreadable: it goes as it came, as an unread event does (the decoder refuses it when it reads it).
    if (parsed === undefined) return data;
    const index = parsed['index'];
    if (this.places === undefined) return isPlaceBelow(index, this.written) ? data : undefined;
    const place = this.places.get(index ?? -1);
    if (place === undefined || place === null) return undefined;
    return place === index ? data : JSON.stringify({ ...parsed, index: place });
  }

  /** A delta, numbered as written, with the input of a `tool_use` whose input begins as no object dealt with. */
  private withToolInputTyped(data: string): string | undefined {
    const parsed = readObject(data);
    const delta = parsed?.['delta'];
    if (!isJsonObject(delta) || delta['type'] !== 'input_json_delta' || typeof delta['partial_json'] !== 'string') return data;
    const place = parsed!['index'] as number;
    const waiting = this.toolInputs.get(place);
    if (waiting === undefined) return data;
    if (!waiting) return undefined;
    const fragment = delta['partial_json'];
    if (isBlankFragment(fragment)) return data;
    if (startsObject(fragment)) {
      this.toolInputs.delete(place);
      return data;
    }
    this.toolInputs.set(place, false);
    return JSON.stringify({ ...parsed, delta: { ...delta, partial_json: '{}' } });
  }
}

/**
 * An event's index when its data begins as Anthropic writes it (spaces allowed) and
 * names no other index, nor a key spelled with escapes; else undefined (it is parsed).
 * A JSON string's quotes are escaped, so a bare `"index"` can only be a key.
 */
function plainIndexOf(data: string): number | undefined {
  const match = plainIndex.exec(data);
  if (!match || data.includes('"index"', match[0].length) || escapedKey.test(data)) return undefined;
  return Number(match[1]);
}
const plainIndex = /^\{\s*"type"\s*:\s*"content_block_(?:delta|stop)"\s*,\s*"index"\s*:\s*(0|[1-9]\d{0,8})\s*[,}]/;
const escapedKey = new RegExp(escapedKeyPattern);

/** Whether the decoder finds a block of places 0 … count-1 by this index (a Map lookup: the number itself). */
function isPlaceBelow(index: unknown, count: number): boolean {
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < count;
}

/** A block as the translated path starts it, or undefined when it leaves it out. */
function typedBlock(block: unknown): Json | undefined {
  if (!isJsonObject(block) || typeof block['type'] !== 'string') return undefined;
  if (block['type'] === 'tool_use') {
    if (nonEmptyText(block['name']) === undefined) return undefined;
    if (typeof block['id'] === 'string' && isJsonObject(block['input'])) return block;
    return { ...block, id: typeof block['id'] === 'string' ? block['id'] : '', input: isJsonObject(block['input']) ? block['input'] : {} };
  }
  if (!hasMistypedText(block)) return block;
  return { ...block, [block['type'] === 'text' ? 'text' : 'thinking']: '' };
}

function readObject(data: string): Json | undefined {
  try {
    const value = parseUpstreamJson(data);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
