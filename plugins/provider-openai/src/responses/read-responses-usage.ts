import { readTokenCount, readTokenDetail, type Usage } from '@switchyard/core';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (holder: unknown, key: string): unknown => (isRecord(holder) ? holder[key] : undefined);

/**
 * A Responses API `usage` object → canonical usage (cached and reasoning tokens are
 * inside the totals on both sides), or undefined when it holds nothing the gateway can
 * bill from: not an object, neither `input_tokens` nor `output_tokens`, or one of them
 * that is not a count (readTokenCount). The gateway then bills its estimate, as for an
 * answer without usage; a bad count read as 0 made the answer free.
 */
export function readResponsesUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const input = readTokenCount(raw['input_tokens']);
  const output = readTokenCount(raw['output_tokens']);
  if (Number.isNaN(input) || Number.isNaN(output) || (input === undefined && output === undefined)) return undefined;
  const usage: Usage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const cached = readTokenDetail(field(raw['input_tokens_details'], 'cached_tokens'));
  if (cached) usage.cachedInputTokens = cached;
  const reasoning = readTokenDetail(field(raw['output_tokens_details'], 'reasoning_tokens'));
  if (reasoning) usage.reasoningTokens = reasoning;
  return usage;
}
