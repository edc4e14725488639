import type { FinishReason, UnifiedFinishReason } from '../../canonical/chat-response.js';
import type { OpenAIFinishReason } from './openai-wire-types.js';

const toOpenAI: Record<UnifiedFinishReason, OpenAIFinishReason> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  // OpenAI has no value for these; clients treat `stop` as "the model is done".
  error: 'stop',
  other: 'stop',
};

const fromOpenAI: Record<string, UnifiedFinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
};

/** The finish reasons OpenAI defines (`function_call` is the older name of `tool_calls`, still in its SDKs' types). */
const openAIFinishReasons = new Set<string>(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);

export function toOpenAIFinishReason(reason: FinishReason): OpenAIFinishReason {
  return toOpenAI[reason.unified];
}

export function fromOpenAIFinishReason(raw: string): FinishReason {
  // The upstream names the reason: `toString` or `__proto__` must not read Object.prototype.
  return { unified: Object.hasOwn(fromOpenAI, raw) ? fromOpenAI[raw]! : 'other', raw };
}

/** Whether `value` is a finish reason OpenAI defines (a string, compared as decoded: escapes do not matter). */
export function isOpenAIFinishReason(value: unknown): value is OpenAIFinishReason {
  return typeof value === 'string' && openAIFinishReasons.has(value);
}

/**
 * The fast path's `choices` (of a stream chunk or a whole answer) with every finish
 * reason OpenAI does not define written as the translated path writes it; undefined
 * when there is none, so the upstream's bytes can go out as they came. `reason` is
 * what the tap read from the first choice (undefined when it read no finish there):
 * its word becomes `toOpenAIFinishReason(reason)` (a preset's own words, Mistral's
 * `model_length`, map as the preset maps them); another undefined word, in a further
 * choice of `n > 1`, becomes `stop`, as any word the OpenAI mapping does not know does.
 * In a stream chunk (`whole` false) only a non-empty string is a finish reason: a
 * value that is not one (a number, `""`, `true`, an object, an array) is no finish to
 * the tap either, and the translated path writes `null` where it stood, so it becomes
 * `null`; `null` and a missing one are left. In a whole answer anything that is not a
 * defined word is replaced, as the translated path writes `stop` for a missing or
 * `null` one.
 */
export function withOpenAIFinishReasons(choices: readonly unknown[], reason: FinishReason | undefined, whole: boolean): unknown[] | undefined {
  let written: unknown[] | undefined;
  for (let at = 0; at < choices.length; at++) {
    const choice = choices[at];
    if (typeof choice !== 'object' || choice === null || Array.isArray(choice)) continue;
    const value = (choice as Record<string, unknown>)['finish_reason'];
    if (isOpenAIFinishReason(value)) continue;
    let finishReason: OpenAIFinishReason | null;
    if (whole || (typeof value === 'string' && value !== '')) finishReason = reason !== undefined && value === reason.raw ? toOpenAIFinishReason(reason) : 'stop';
    else if (value === null || value === undefined) continue;
    else finishReason = null;
    written ??= choices.slice();
    written[at] = { ...choice, finish_reason: finishReason };
  }
  return written;
}
