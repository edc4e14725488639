/** Cohere Chat API v2 wire shapes, as far as the adapter reads or writes them. */

/** A tool call as Cohere sends and takes it: the OpenAI shape. */
export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type CohereUserContent =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export type CohereToolContent = { type: 'document'; document: { data: string; id?: string } } | { type: 'text'; text: string };

export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | CohereUserContent[] }
  | { role: 'assistant'; content?: string; tool_plan?: string; tool_calls?: CohereToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string | CohereToolContent[] };

export interface CohereTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** `response_format`: JSON mode, with a schema for structured output. */
export interface CohereResponseFormat {
  type: 'text' | 'json_object';
  json_schema?: Record<string, unknown>;
}

/** The body of `POST /v2/chat`. */
export interface CohereChatBody {
  model: string;
  messages: CohereMessage[];
  tools?: CohereTool[];
  tool_choice?: 'REQUIRED' | 'NONE';
  strict_tools?: boolean;
  max_tokens?: number;
  temperature?: number;
  p?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  stop_sequences?: string[];
  response_format?: CohereResponseFormat;
  stream: boolean;
  [field: string]: unknown;
}

/** Token counts: `tokens` are what the model saw, `billed_units` what is invoiced. */
/** Counts as an upstream sent them: numbers when well behaved, anything when not (mapCohereUsage judges). */
export interface CohereUsage {
  billed_units?: { input_tokens?: unknown; output_tokens?: unknown };
  tokens?: { input_tokens?: unknown; output_tokens?: unknown };
  cached_tokens?: unknown;
}

/** A block of the response `message.content`; `thinking` comes from reasoning models. */
export interface CohereResponseContent {
  type?: string;
  text?: string;
  thinking?: string;
}

/** The body of a non-streamed `POST /v2/chat` answer (`response.json`). */
export interface CohereChatResponse {
  id?: string;
  message?: {
    role?: string;
    content?: CohereResponseContent[];
    tool_plan?: string;
    tool_calls?: Array<Partial<CohereToolCall>>;
    citations?: unknown[];
  };
  finish_reason?: string;
  usage?: CohereUsage;
}

/** The error body: `{ id, message }` (the `id` is UNCONFIRMED). */
export interface CohereErrorBody {
  id?: unknown;
  message?: unknown;
}
