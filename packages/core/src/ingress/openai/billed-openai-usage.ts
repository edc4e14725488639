import type { Usage } from '../../canonical/usage.js';
import { readTokenCount } from '../../canonical/read-token-count.js';
import { isJsonObject } from '../../transport/upstream-wire-values.js';

type Json = Record<string, unknown>;

const detailKeys = ['prompt_tokens_details', 'completion_tokens_details'] as const;

/**
 * The `usage` an OpenAI client gets on the fast path: the upstream's own object when it
 * already says what the gateway billed, else the billed counts in OpenAI's shape.
 *
 * An upstream may write counts the gateway cannot bill as they are (text `"9"`, negative,
 * fractional, 1e309): it reads them, or estimates, and the client must read what was
 * billed, in numbers. A usage that is already right (the usual case) goes back as the
 * very same object, so the answer stays a pass-through. When rewritten, the upstream's
 * other fields (OpenRouter's `cost`) stay, and its detail counts stay where they are counts.
 */
export function billedOpenAIUsage(upstream: unknown, billed: Usage): unknown {
  if (isJsonObject(upstream) && saysBilled(upstream, billed)) return upstream;
  const usage: Json = isJsonObject(upstream) ? { ...upstream } : {};
  usage['prompt_tokens'] = billed.inputTokens;
  usage['completion_tokens'] = billed.outputTokens;
  usage['total_tokens'] = billed.inputTokens + billed.outputTokens;
  for (const key of detailKeys) {
    const details = countsOnly(usage[key]);
    if (details === undefined) delete usage[key];
    else usage[key] = details;
  }
  return usage;
}

/** Whether an upstream usage holds exactly the billed counts, as numbers, and details that are counts. */
function saysBilled(usage: Json, billed: Usage): boolean {
  return (
    usage['prompt_tokens'] === billed.inputTokens &&
    usage['completion_tokens'] === billed.outputTokens &&
    usage['total_tokens'] === billed.inputTokens + billed.outputTokens &&
    detailKeys.every((key) => usage[key] === undefined || usage[key] === null || countsOnly(usage[key]) === usage[key])
  );
}

/** A details object with only its count fields: the same object when all are counts; undefined when it is not an object. */
function countsOnly(details: unknown): Json | undefined {
  if (!isJsonObject(details)) return undefined;
  const entries = Object.entries(details);
  if (entries.every(([, value]) => isCount(value))) return details;
  return Object.fromEntries(entries.filter(([, value]) => isCount(value)));
}

/** A count as billing reads one (readTokenCount): one it reads as none (negative, past its bound) is none here too. */
function isCount(value: unknown): boolean {
  return typeof value === 'number' && !Number.isNaN(readTokenCount(value));
}
