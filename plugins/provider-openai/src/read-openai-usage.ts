import { readTokenCount, readTokenDetail, type Usage } from '@switchyard/core';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (holder: unknown, key: string): unknown => (isRecord(holder) ? holder[key] : undefined);

/**
 * An OpenAI `usage` object → canonical usage, or undefined when it holds nothing the
 * gateway can bill from: not an object, neither `prompt_tokens` nor
 * `completion_tokens`, or one of them that is not a count (negative, fractional,
 * past 2^53, 1e309 read as Infinity, text that is not digits: readTokenCount). A
 * stream then bills the gateway's estimate of what was delivered, as one that never
 * sent usage, and a whole answer the estimate of its content: taken
 * as it came, such a value was stored in the ledger (a string, NaN, Infinity) or
 * billed as 0, and a string was added by concatenation (`"9" + "2"`).
 */
export function readOpenAIUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const input = readTokenCount(raw['prompt_tokens']);
  const output = readTokenCount(raw['completion_tokens']);
  if (Number.isNaN(input) || Number.isNaN(output) || (input === undefined && output === undefined)) return undefined;
  const usage: Usage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const cached = readTokenDetail(field(raw['prompt_tokens_details'], 'cached_tokens'));
  if (cached) usage.cachedInputTokens = cached;
  const reasoning = readTokenDetail(field(raw['completion_tokens_details'], 'reasoning_tokens'));
  if (reasoning) usage.reasoningTokens = reasoning;
  return usage;
}
