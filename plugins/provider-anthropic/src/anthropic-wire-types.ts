/**
 * The parts of Anthropic's Messages API wire format this plugin writes and reads
 * (https://docs.claude.com/en/api/messages). Response types are read leniently:
 * fields the API may add later are simply not named here.
 */

/** `cache_control` on a block, tool or system part: `{ type: 'ephemeral', ttl?: '5m' | '1h' }`. */
export type AnthropicCacheControl = Record<string, unknown>;

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | AnthropicTextBlock[];
  is_error?: boolean;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

export type AnthropicUserBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicToolResultBlock;
export type AnthropicAssistantBlock = AnthropicTextBlock | AnthropicToolUseBlock | AnthropicThinkingBlock | AnthropicRedactedThinkingBlock;

export interface AnthropicUserMessage {
  role: 'user';
  content: string | AnthropicUserBlock[];
}

export interface AnthropicAssistantMessage {
  role: 'assistant';
  content: string | AnthropicAssistantBlock[];
}

export type AnthropicMessage = AnthropicUserMessage | AnthropicAssistantMessage;

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** `{ type: 'json_schema', schema }`, under `output_config.format` (GA) or `output_format` (beta). */
export interface AnthropicOutputFormat {
  type: 'json_schema';
  schema: Record<string, unknown>;
}

/** The body of `POST /v1/messages`. Pass-through fields from `providerOptions.anthropic` ride along. */
export interface AnthropicMessagesRequestBody {
  model: string;
  messages: AnthropicMessage[];
  max_tokens: number;
  system?: string | AnthropicTextBlock[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  metadata?: Record<string, unknown>;
  output_config?: Record<string, unknown> & { format?: AnthropicOutputFormat };
  output_format?: AnthropicOutputFormat;
  stream: boolean;
  [passThrough: string]: unknown;
}

/** `usage` of a message, and the cumulative `usage` of `message_delta` (where only `output_tokens` is sure). */
/** Counts as an upstream sent them: numbers when well behaved, anything when not (mapAnthropicUsage judges). */
export interface AnthropicUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  cache_read_input_tokens?: unknown;
}

/** A content block as read from a response: known types are handled, others skipped. */
export interface AnthropicResponseBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  thinking?: string;
  signature?: string;
  data?: string;
}

/** The non-streamed answer of `POST /v1/messages` (`response.json`). */
export interface AnthropicMessageResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** `{ type: 'error', error: { type, message }, request_id }`, as HTTP error body and as the `error` stream event. */
export interface AnthropicErrorEnvelope {
  type?: unknown;
  error?: { type?: unknown; message?: unknown; details?: unknown } | unknown;
  request_id?: unknown;
}
