import type { AssistantContentPart } from './chat-request.js';
import type { Usage } from './usage.js';

/** The unified reasons a generation ended. */
export type UnifiedFinishReason =
  | 'stop'
  | 'length'
  | 'tool-calls'
  | 'content-filter'
  | 'error'
  | 'other';

/** A finish reason in unified form, with the provider's own value kept for logs. */
export interface FinishReason {
  unified: UnifiedFinishReason;
  raw?: string;
}

/** A complete (non-streamed) chat response. */
export interface ChatResponse {
  /** The provider's response id, or one the gateway made up when it has none. */
  id: string;
  /** The model that answered, as the provider reports it. */
  model: string;
  /** Unix seconds. */
  created: number;
  content: AssistantContentPart[];
  finishReason: FinishReason;
  usage: Usage;
  /** Extra fields worth surfacing, namespaced by provider (`system_fingerprint` …). */
  providerMetadata?: Record<string, Record<string, unknown>>;
}

/**
 * A provider adapter's reading of a whole answer. `usage` is undefined when the
 * upstream sent none or one it could not read (negative, fractional, text, 1e309):
 * the gateway then bills its estimate of the answer (estimateAnswerUsage), as it does
 * a stream without usage, never 0.
 */
export interface UpstreamChatResponse extends Omit<ChatResponse, 'usage'> {
  usage: Usage | undefined;
}
