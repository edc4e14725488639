import type { Usage } from '@switchyard/core';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A count written as text (some servers quote their numbers): digits only, few enough to be exact. */
const countText = /^[0-9]{1,15}$/;

/**
 * An OpenAI `usage` object → canonical usage, or undefined when it holds nothing the
 * gateway can bill from: not an object, neither `prompt_tokens` nor
 * `completion_tokens`, or one of them that is not a count (negative, fractional,
 * past 2^53, 1e309 read as Infinity, text that is not digits). A stream then bills
 * the gateway's estimate of what was delivered, as one that never sent usage: taken
 * as it came, such a value was stored in the ledger (a string, NaN, Infinity) or
 * billed as 0, and a string was added by concatenation (`"9" + "2"`).
 */
export function readOpenAIUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const input = readCount(raw['prompt_tokens']);
  const output = readCount(raw['completion_tokens']);
  if (Number.isNaN(input) || Number.isNaN(output) || (input === undefined && output === undefined)) return undefined;
  const usage: Usage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const cached = readDetail(raw['prompt_tokens_details'], 'cached_tokens');
  if (cached) usage.cachedInputTokens = cached;
  const reasoning = readDetail(raw['completion_tokens_details'], 'reasoning_tokens');
  if (reasoning) usage.reasoningTokens = reasoning;
  return usage;
}

/** A token count: a whole, non-negative number of tokens; undefined when absent (or null), NaN when it is there but is not a count. */
export function readCount(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const count = typeof value === 'string' && countText.test(value) ? Number(value) : value;
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : Number.NaN;
}

/** A count inside a details object (`cached_tokens`); 0 when absent or not a count (a detail never makes the usage unreadable). */
function readDetail(details: unknown, key: string): number {
  const count = isRecord(details) ? readCount(details[key]) : undefined;
  return count === undefined || Number.isNaN(count) ? 0 : count;
}
