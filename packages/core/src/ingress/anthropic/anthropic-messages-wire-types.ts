/**
 * The parts of Anthropic's Messages API the ingress reads and writes, as the
 * official SDK and https://docs.claude.com/en/api/messages describe them.
 */

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: unknown;
}

export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: unknown;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock | AnthropicSearchResultBlock>;
  is_error?: boolean;
}

/** A PDF, a plain-text or a custom-content document (https://docs.claude.com/en/docs/build-with-claude/pdf-support); its source is Anthropic's to read. */
export interface AnthropicDocumentBlock {
  type: 'document';
  source: { type: string } & Record<string, unknown>;
  title?: string;
  context?: string;
  citations?: unknown;
  cache_control?: unknown;
}

/** A search result given to the model with its source, for citations (https://docs.claude.com/en/docs/build-with-claude/search-results). */
export interface AnthropicSearchResultBlock {
  type: 'search_result';
  source: string;
  title: string;
  content: AnthropicTextBlock[];
  citations?: unknown;
  cache_control?: unknown;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

/** A call of a tool Anthropic runs itself (web search …), sent back in a later turn. */
export interface AnthropicServerToolUseBlock {
  type: 'server_tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** The result of a server tool (`web_search_tool_result` …), sent back in a later turn; opaque to the gateway. */
export interface AnthropicServerToolResultBlock {
  type: 'web_search_tool_result';
  tool_use_id: string;
  content: unknown;
}

export type AnthropicRequestBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicDocumentBlock
  | AnthropicSearchResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock
  | AnthropicServerToolUseBlock
  | AnthropicServerToolResultBlock;

export interface AnthropicRequestMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicRequestBlock[];
}

export interface AnthropicTool {
  type?: 'custom';
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
  cache_control?: unknown;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any' | 'none'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

/** A `POST /v1/messages` body. */
export interface AnthropicMessagesRequestBody {
  model: string;
  max_tokens: number;
  messages: AnthropicRequestMessage[];
  system?: string | AnthropicTextBlock[];
  stop_sequences?: string[];
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string | null };
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' } | { type: 'adaptive' };
  output_format?: { type: 'json_schema'; schema: Record<string, unknown> };
  output_config?: { format?: { type: 'json_schema'; schema: Record<string, unknown> } | null; effort?: string };
  /** The gateway's own: settings for the other providers a translated attempt may reach, by plugin name, as on chat. */
  provider_options?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export type AnthropicResponseBlock =
  | { type: 'text'; text: string; citations: null }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown; caller: { type: 'direct' } };

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

/** The four counts of a `usage`, as the fast path writes the billed ones over an upstream's own object. */
export interface AnthropicResponseUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * A message's whole `usage` (the SDK's `Usage`): every field its type requires, `null`
 * where the gateway has nothing to say for a translated answer (no server tools ran,
 * the upstream's tier, region and speed are not Anthropic's).
 */
export interface AnthropicMessageUsage extends AnthropicResponseUsage {
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens_details: { thinking_tokens: number } | null;
  server_tool_use: null;
  service_tier: null;
  inference_geo: null;
  speed: null;
}

/** A `message_delta`'s cumulative `usage` (the SDK's `MessageDeltaUsage`). */
export interface AnthropicDeltaUsage extends AnthropicResponseUsage {
  output_tokens_details: { thinking_tokens: number } | null;
  server_tool_use: null;
}

/** Why a message stopped, beyond its `stop_reason`: for a refusal, which the gateway cannot classify further. */
export type AnthropicStopDetails = { type: 'refusal'; category: null; explanation: null } | null;

/** A whole `message` answer. */
export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  stop_details: AnthropicStopDetails;
  /** Anthropic's code-execution container; a translated answer ran in none. */
  container: null;
  /** Anthropic's prompt-cache diagnostics; none for a translated answer. */
  diagnostics: null;
  usage: AnthropicMessageUsage;
}

/** Anthropic's error envelope. */
export interface AnthropicErrorBody {
  type: 'error';
  /** `code` is the gateway's own stable error code, an extra field Anthropic's SDKs ignore. */
  error: { type: string; message: string; code?: string };
  request_id?: string;
}
