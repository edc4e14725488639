/** Wire shapes of Bedrock Runtime Converse / ConverseStream (see the shared fixtures' NOTES.md). */

export interface BedrockTextBlock {
  text: string;
}

export interface BedrockImageBlock {
  image: { format: 'png' | 'jpeg' | 'gif' | 'webp'; source: { bytes: string } };
}

export interface BedrockToolUseBlock {
  toolUse: { toolUseId: string; name: string; input: unknown };
}

export interface BedrockToolResultBlock {
  toolResult: {
    toolUseId: string;
    content: Array<{ json: unknown } | { text: string }>;
    status?: 'success' | 'error';
  };
}

export interface BedrockReasoningBlock {
  reasoningContent: { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
}

/** A ContentBlock union member: exactly one key. */
export type BedrockContentBlock =
  | BedrockTextBlock
  | BedrockImageBlock
  | BedrockToolUseBlock
  | BedrockToolResultBlock
  | BedrockReasoningBlock;

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}

export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface BedrockToolConfig {
  tools: BedrockToolSpec[];
  toolChoice?: BedrockToolChoice;
}

export interface BedrockInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

/** The body of `POST /model/{modelId}/converse` (and `/converse-stream`); the model id is in the path. */
export interface ConverseRequestBody {
  system?: BedrockTextBlock[];
  messages: BedrockMessage[];
  toolConfig?: BedrockToolConfig;
  inferenceConfig?: BedrockInferenceConfig;
  [passThrough: string]: unknown;
}

/** Counts as an upstream sent them: numbers when well behaved, anything when not (mapBedrockUsage judges). */
export interface BedrockUsage {
  inputTokens?: unknown;
  outputTokens?: unknown;
  totalTokens?: unknown;
  cacheReadInputTokens?: unknown;
  cacheWriteInputTokens?: unknown;
  /** Cache writes by duration: `[{ ttl: '5m' | '1h', inputTokens }]`, 1h first. */
  cacheDetails?: unknown;
}

/** A response block as read: any member may be missing. */
export interface BedrockResponseBlock {
  text?: string;
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
  reasoningContent?: { reasoningText?: { text?: string; signature?: string }; redactedContent?: string };
}

/** `response.json`. */
export interface ConverseResponseBody {
  output?: { message?: { role?: string; content?: BedrockResponseBlock[] } };
  stopReason?: string;
  usage?: BedrockUsage;
  metrics?: { latencyMs?: number };
  additionalModelResponseFields?: unknown;
  trace?: unknown;
}

/** The JSON payload of one ConverseStream event, whatever its type. */
export interface ConverseStreamPayload {
  role?: string;
  contentBlockIndex?: number;
  start?: { toolUse?: { toolUseId?: string; name?: string } };
  delta?: {
    text?: string;
    toolUse?: { input?: string };
    reasoningContent?: { text?: string; signature?: string; redactedContent?: string };
  };
  stopReason?: string;
  usage?: BedrockUsage;
  metrics?: { latencyMs?: number };
  message?: string;
}

/** A restJson1 error body (and an exception frame's payload). */
export interface BedrockErrorBody {
  message?: unknown;
  Message?: unknown;
  __type?: unknown;
  originalStatusCode?: unknown;
}
