/**
 * The provider-neutral chat request. Ingress translators (OpenAI Chat Completions
 * today) produce it; provider adapters turn it into each native wire format.
 */
export interface ChatRequest {
  /** The model name exactly as the client sent it (an alias, `provider/model`, …). */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** `false` asks the model for at most one tool call per turn. */
  parallelToolCalls?: boolean;
  /** Upper bound on generated tokens (OpenAI `max_completion_tokens` / `max_tokens`). */
  maxOutputTokens?: number;
  /**
   * `maxOutputTokens` is not the client's but its API key's limit, filled in by key-scope for
   * a request that set none: a refusal of it names the key's limit, not a field never sent.
   */
  maxOutputTokensOfKey?: true;
  temperature?: number;
  topP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  stopSequences?: string[];
  responseFormat?: ResponseFormat;
  /** Reasoning effort for models that think before answering. */
  reasoningEffort?: 'none' | 'minimal' | 'low' | 'medium' | 'high';
  /**
   * The estimated prompt tokens of what the client's body holds beyond `messages`, which
   * only the same-dialect fast path sends (Anthropic's server-tool blocks, the Responses
   * API's built-in and custom tool items): the provider reads and bills them, so the
   * prompt estimate counts them (estimatePromptTokens), for budget holds and the bill of
   * a stream cut before its usage came.
   */
  fastPathOnlyPromptTokens?: number;
  /** Number of choices; only 1 is supported end to end today. */
  candidateCount?: number;
  /** An end-user identifier the client wants forwarded for abuse monitoring. */
  user?: string;
  /** Free-form metadata from the client; never sent upstream unless a provider opts in. */
  metadata?: Record<string, string>;
  stream: boolean;
  /**
   * Provider-specific settings the canonical shape cannot express, namespaced by
   * provider plugin name: `{ anthropic: { cache_control: … } }`.
   */
  providerOptions?: ProviderOptions;
}

export type ProviderOptions = Record<string, Record<string, unknown>>;

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface SystemMessage {
  role: 'system';
  /** OpenAI's `developer` role is folded into `system`; `developer: true` remembers it. */
  content: string;
  developer?: boolean;
}

export interface UserMessage {
  role: 'user';
  content: UserContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content: AssistantContentPart[];
  name?: string;
}

export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  /** Tool output as text; structured outputs arrive JSON-encoded. */
  content: string;
  /** The tool failed (Anthropic's `is_error`): told to providers that have the notion (Anthropic, Bedrock's `status`). */
  isError?: true;
}

export type UserContentPart = TextPart | ImagePart;
export type AssistantContentPart = TextPart | ReasoningPart | ToolCallPart | RefusalPart;

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImagePart {
  type: 'image';
  source: ImageSource;
  /** OpenAI's detail hint; other providers ignore it. */
  detail?: 'auto' | 'low' | 'high';
}

export type ImageSource =
  | { kind: 'url'; url: string }
  | { kind: 'base64'; mediaType: string; data: string };

export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  /** Opaque signature some providers require to be echoed back (Anthropic thinking). */
  signature?: string;
  /**
   * Reasoning the provider encrypted (Anthropic's `redacted_thinking` data, Bedrock's
   * `redactedContent`): opaque, to be echoed back as it came; `text` is then empty.
   */
  redactedData?: string;
}

export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  name: string;
  /** The arguments as JSON text, kept verbatim so a round trip changes nothing. */
  arguments: string;
}

export interface RefusalPart {
  type: 'refusal';
  text: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | {
      type: 'json-schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean;
    };
