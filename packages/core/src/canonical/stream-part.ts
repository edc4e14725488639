import type { FinishReason } from './chat-response.js';
import type { Usage } from './usage.js';

/**
 * One typed event of a streamed chat response. Provider adapters parse their wire
 * events into these once; the edge writes them once in the client's format.
 */
export type StreamPart =
  | StreamStartPart
  | TextDeltaPart
  | ReasoningDeltaPart
  | ReasoningSignaturePart
  | RedactedReasoningPart
  | RefusalDeltaPart
  | ToolCallStartPart
  | ToolCallDeltaPart
  | FinishPart
  | UsagePart;

/** Response metadata, sent once before any content. */
export interface StreamStartPart {
  type: 'stream-start';
  id: string;
  model: string;
  created: number;
  providerMetadata?: Record<string, Record<string, unknown>>;
}

export interface TextDeltaPart {
  type: 'text-delta';
  delta: string;
}

export interface ReasoningDeltaPart {
  type: 'reasoning-delta';
  delta: string;
}

/**
 * The signature that ends a reasoning block (Anthropic's `signature_delta`): it closes
 * the block, so reasoning after it is another block. Clients that send thinking back
 * must send it too; dialects without a field for it leave it out.
 */
export interface ReasoningSignaturePart {
  type: 'reasoning-signature';
  signature: string;
}

/** A whole block of encrypted reasoning (Anthropic's `redacted_thinking` data), opaque. */
export interface RedactedReasoningPart {
  type: 'reasoning-redacted';
  data: string;
}

export interface RefusalDeltaPart {
  type: 'refusal-delta';
  delta: string;
}

/** A new tool call; `index` orders parallel calls from 0. */
export interface ToolCallStartPart {
  type: 'tool-call-start';
  index: number;
  id: string;
  name: string;
}

/** A fragment of a tool call's JSON arguments, to be concatenated per index. */
export interface ToolCallDeltaPart {
  type: 'tool-call-delta';
  index: number;
  argumentsDelta: string;
}

export interface FinishPart {
  type: 'finish';
  finishReason: FinishReason;
}

/** Token usage; when sent more than once the last one wins. */
export interface UsagePart {
  type: 'usage';
  usage: Usage;
  /**
   * Counts reported before the end (Anthropic's `message_start` gives the input
   * tokens): real, but the output is not final. A later usage part replaces it; a
   * stream cut before that is billed from these plus an estimate of the output.
   */
  partial?: boolean;
}
