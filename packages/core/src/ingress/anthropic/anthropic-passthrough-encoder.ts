import type { FinishReason } from '../../canonical/chat-response.js';
import { emptyUsage, type Usage } from '../../canonical/usage.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { PassthroughEvent } from '../../plugin/provider-types.js';
import { parseUpstreamJson } from '../../transport/parse-upstream-json.js';
import type { PassthroughStreamEncoder, SseEvent, StreamEncoderOptions } from '../ingress-dialect.js';
import { isAnthropicStopReason, withAnthropicStopReason } from './anthropic-stop-reason.js';
import { hasMistypedText, mayHoldMistypedAnthropicText, mayHoldNonObjectDelta, mayLackAnthropicText } from './anthropic-text-fields.js';
import { formatAnthropicError } from './format-anthropic-error.js';
import { PassthroughStreamBlocks } from './passthrough-stream-blocks.js';
import { deltaNeedsBilledUsage, deltaWithBilledUsage, startNeedsBilledUsage, startWithBilledUsage } from './passthrough-stream-usage.js';

type Json = Record<string, unknown>;

/**
 * Writes an Anthropic upstream's own named events to an Anthropic client (the
 * same-dialect fast path). Everything the canonical form cannot hold passes as it
 * came: thinking signatures, redacted_thinking, citations, server tool blocks,
 * cache usage fields. The one change is the model of `message_start`, which reads
 * `provider/model` as on the translated path; it is swapped by exact substring
 * (a bare-quoted `"model":"<name>"` can only be a key and its value), and the event
 * is parsed and written again only when that is not found verbatim.
 *
 * A `message_delta` whose usage the tap could not read (missing, negative, text,
 * 1e309) is billed the gateway's estimate; it is written again with the estimate, so
 * the client reads what was billed. So is a `message_start` without a usage the tap
 * read, or without `input_tokens` (the SDKs throw on the first, and read the second):
 * it gets the billed counts so far, as the translated path writes. Counts written as
 * digits ("17") are billed as numbers and written again as numbers. A usage the tap
 * read, in numbers, passes as it came; only these two events are looked at.
 *
 * A `stop_reason` Anthropic does not define (a word of a compatible server's own, or
 * one a hostile upstream makes up) is written as the translated path writes it
 * (`end_turn`): the tap read it from its `message_delta`, which is then written again.
 * So is a `message_delta` the tap read no stop reason from (`null`, `""`, `0`, none, no
 * `delta`): the translated path writes the stream's last finish there, else `end_turn`.
 * A defined one goes out as it came, escaped or not.
 *
 * A text, thinking or partial JSON that is not text (12345, `{}`, none at all) is not
 * passed on, as the translated path drops it: a `content_block_delta` holding one, or whose
 * delta is not an object, is not written (an SDK would append it to the block's text, or
 * throw). The lazy tap reads such a delta (its test looks for one), so only read events
 * are looked at, by their raw text first (mayHoldMistypedAnthropicText,
 * mayLackAnthropicText, mayHoldNonObjectDelta). Blocks are started and numbered as the
 * translated path writes them (PassthroughStreamBlocks): a nameless `tool_use` left out,
 * its id and input typed (an input whose fragments begin as no JSON object reads `{}`), a
 * text or thinking block without its text started with `""`.
 * A stream that ends whole without a `message_stop` gets one, as on the translated path.
 */
export class AnthropicPassthroughEncoder implements PassthroughStreamEncoder {
  private readonly modelPrefix: string;
  private readonly billedUsage: (() => Usage | undefined) | undefined;
  /** The last finish the tap read, as the translated path keeps it for its `message_delta`. */
  private finishReason: FinishReason = noStopReason;
  private readonly blocks = new PassthroughStreamBlocks();
  /** Whether the upstream's `message_stop` went out: without it an SDK has no message (`finalMessage()` throws). */
  private stopped = false;

  private readonly requestId: string;

  constructor(options: StreamEncoderOptions) {
    this.requestId = options.requestId;
    this.modelPrefix = options.modelPrefix;
    this.billedUsage = options.billedUsage;
  }

  encode({ event, parts, unread }: PassthroughEvent): readonly SseEvent[] {
    if (!event) return [];
    let data = event.data;
    if (!unread && (mayHoldMistypedAnthropicText.test(data) || mayLackAnthropicText.test(data) || mayHoldNonObjectDelta.test(data))) {
      const typed = withTextTyped(data, event.event);
      if (typed === undefined) return [];
      data = typed;
    }
    let usageRead = false;
    let finalUsage: Usage | undefined;
    let finish: FinishReason | undefined;
    for (const part of parts) {
      if (part.type === 'stream-start' && part.model) data = this.renamed(data, part.model);
      else if (part.type === 'usage') {
        usageRead = true;
        if (!part.partial) finalUsage = part.usage;
      } else if (part.type === 'finish') finish = this.finishReason = part.finishReason;
    }
    // A proxy may drop `event:` lines; the data's own type names the event then, as Anthropic's SDKs expect one.
    const name = event.event ?? readType(data);
    if (name === 'message_stop') this.stopped = true;
    if (name === 'content_block_start') {
      const started = this.blocks.start(data);
      if (started === undefined) return [];
      data = started;
    } else if (name === 'content_block_delta' || name === 'content_block_stop') {
      // An unread delta of a stream numbered as Anthropic numbers it costs two comparisons here.
      const followed = name === 'content_block_delta' ? this.blocks.followDelta(data, unread !== undefined) : this.blocks.follow(data, unread !== undefined);
      if (followed === undefined) return [];
      data = followed;
    }
    if (name === 'message_start' && startNeedsBilledUsage(data, usageRead)) {
      // The counts so far (the prompt's estimate when none came); an SDK needs an object to update.
      data = startWithBilledUsage(data, this.billedUsage?.() ?? emptyUsage());
    } else if (name === 'message_delta' && deltaNeedsBilledUsage(data, finalUsage)) {
      const billed = this.billedUsage?.();
      if (billed) data = deltaWithBilledUsage(data, billed);
    }
    if (finish !== undefined) {
      if (finish.raw !== undefined && !isAnthropicStopReason(finish.raw)) data = withAnthropicStopReason(data, finish);
    } else if (name === 'message_delta') {
      // No stop reason the tap could read (null, "", 0, none): the translated path writes its last finish, else end_turn.
      data = withAnthropicStopReason(data, this.finishReason);
    }
    return [name === undefined ? data : { event: name, data }];
  }

  finish(): readonly SseEvent[] {
    // A stream the core took as whole but that ended without its message_stop gets the one the translated path writes.
    return this.stopped ? [] : [{ event: 'message_stop', data: '{"type":"message_stop"}' }];
  }

  fail(error: GatewayError): SseEvent {
    return { event: 'error', data: JSON.stringify(formatAnthropicError(error, this.requestId).body) };
  }

  private renamed(data: string, model: string): string {
    const needle = `"model":${JSON.stringify(model)}`;
    const at = data.indexOf(needle);
    if (at >= 0) return data.slice(0, at) + `"model":${JSON.stringify(this.modelPrefix + model)}` + data.slice(at + needle.length);
    const parsed = parseUpstreamJson(data) as { message?: Json };
    if (parsed.message && typeof parsed.message['model'] === 'string') parsed.message['model'] = this.modelPrefix + parsed.message['model'];
    return JSON.stringify(parsed);
  }
}

/** What the translated path writes when no finish was read: `end_turn`. */
const noStopReason: FinishReason = { unified: 'stop' };

/**
 * A read event's data with a text of the wrong type dealt with as the translated path
 * deals with it: undefined for a delta that holds one, or is not an object (not
 * written); else the data as it came. A block's start is typed by PassthroughStreamBlocks.
 */
function withTextTyped(data: string, name: string | undefined): string | undefined {
  let parsed: Json;
  try {
    const value = parseUpstreamJson(data);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return data;
    parsed = value as Json;
  } catch {
    return data;
  }
  // The decoder goes by the event's name, else the data's type.
  const type = name ?? parsed['type'];
  return type === 'content_block_delta' && hasMistypedText(parsed['delta']) ? undefined : data;
}

function readType(data: string): string | undefined {
  try {
    const type = (parseUpstreamJson(data) as { type?: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}
