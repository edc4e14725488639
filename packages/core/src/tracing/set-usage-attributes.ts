import type { Span } from '@opentelemetry/api';
import type { Usage } from '../canonical/usage.js';
import { attributes } from './gen-ai-attributes.js';

/** Token counts as GenAI usage attributes; only finite counts (an upstream's numbers are not trusted). */
export function setUsageAttributes(span: Span, usage: Usage): void {
  setCount(span, attributes.inputTokens, usage.inputTokens);
  setCount(span, attributes.outputTokens, usage.outputTokens);
  setCount(span, attributes.cachedInputTokens, usage.cachedInputTokens);
  setCount(span, attributes.cacheWriteInputTokens, usage.cacheWriteInputTokens);
  setCount(span, attributes.reasoningTokens, usage.reasoningTokens);
}

function setCount(span: Span, name: string, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) span.setAttribute(name, value);
}
