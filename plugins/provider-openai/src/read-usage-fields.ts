import { readTokenCount, readTokenDetail, type Usage, isJsonObject } from '@switchyard/core';

type Json = Record<string, unknown>;

const field = (holder: unknown, key: string): unknown => (isJsonObject(holder) ? holder[key] : undefined);

/** Where a dialect's usage object keeps its counts (Chat Completions and Responses name them apart). */
export interface UsageFieldNames {
  input: string;
  output: string;
  /** The object whose `cached_tokens` details the input. */
  inputDetails: string;
  /** The object whose `reasoning_tokens` details the output. */
  outputDetails: string;
}

/**
 * Whether a service counted the reasoning apart from the output, as xAI does: its total is
 * input + output + reasoning (OpenAI's and DeepSeek's is input + output, the reasoning inside
 * the output). xAI bills reasoning at the output price, so it is added to the output: read as
 * it came, a Grok reasoning answer was billed its visible text alone (10 tokens of 1,210).
 */
function reasoningOutsideOutput(total: unknown, usage: Usage, reasoning: number): boolean {
  return reasoning > 0 && readTokenCount(total) === usage.inputTokens + usage.outputTokens + reasoning;
}

/**
 * A usage object → canonical usage (cached and reasoning tokens are inside the totals,
 * as OpenAI counts them; a service that counts reasoning apart has it added to the
 * output), or undefined when it holds nothing the gateway can bill from: not an
 * object, neither count, or one of them that is not a count (negative, fractional, past
 * 2^53, 1e309 read as Infinity, text that is not digits: readTokenCount). The gateway
 * then bills its estimate, as for an answer without usage: taken as it came, such a
 * value was stored in the ledger, billed as 0, or added by concatenation (`"9" + "2"`).
 * A bad detail count is left out (readTokenDetail).
 */
export function readUsageFields(raw: unknown, names: UsageFieldNames): Usage | undefined {
  if (!isJsonObject(raw)) return undefined;
  const input = readTokenCount(raw[names.input]);
  const output = readTokenCount(raw[names.output]);
  if (Number.isNaN(input) || Number.isNaN(output) || (input === undefined && output === undefined)) return undefined;
  const usage: Usage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const cached = readTokenDetail(field(raw[names.inputDetails], 'cached_tokens'));
  if (cached) usage.cachedInputTokens = cached;
  const reasoning = readTokenDetail(field(raw[names.outputDetails], 'reasoning_tokens'));
  if (reasoning) usage.reasoningTokens = reasoning;
  if (reasoningOutsideOutput(raw['total_tokens'], usage, reasoning)) usage.outputTokens += reasoning;
  return usage;
}
