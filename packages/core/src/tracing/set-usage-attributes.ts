import type { Span } from '@opentelemetry/api';
import type { Usage } from '../canonical/usage.js';
import { attributes } from './gen-ai-attributes.js';

/**
 * Token counts as GenAI usage attributes; only finite counts (an upstream's numbers are not trusted).
 * `billed`: the counts the request is billed by, as its ledger record holds them: the cached part at
 * most the prompt, the reasoning part at most the output (an attempt's span keeps what the provider said).
 */
export function setUsageAttributes(span: Span, usage: Usage, billed = false): void {
  setCount(span, attributes.inputTokens, usage.inputTokens);
  setCount(span, attributes.outputTokens, usage.outputTokens);
  setCount(span, attributes.cachedInputTokens, billed ? atMost(usage.cachedInputTokens, usage.inputTokens) : usage.cachedInputTokens);
  setCount(span, attributes.cacheWriteInputTokens, usage.cacheWriteInputTokens);
  setCount(span, attributes.reasoningTokens, billed ? atMost(usage.reasoningTokens, usage.outputTokens) : usage.reasoningTokens);
}

function atMost(part: number | undefined, whole: number): number | undefined {
  return part === undefined ? undefined : Math.min(part, whole);
}

function setCount(span: Span, name: string, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) span.setAttribute(name, value);
}
