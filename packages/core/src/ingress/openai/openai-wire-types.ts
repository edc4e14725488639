/**
 * The parts of OpenAI's Chat Completions and Embeddings wire format the gateway
 * reads and writes. Both the ingress and the OpenAI provider use these.
 */
export interface OpenAIChatRequestBody {
  model: string;
  messages: OpenAIMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  user?: string;
  stop?: string | string[] | null;
  tools?: Array<OpenAITool | OpenAICustomTool>;
  tool_choice?:
    | 'auto'
    | 'none'
    | 'required'
    | { type: 'function'; function: { name: string } }
    | { type: 'custom'; custom: { name: string } }
    | {
        type: 'allowed_tools';
        allowed_tools: { mode: 'auto' | 'required'; tools: Array<{ type: 'function'; function: { name: string } } | { type: 'custom'; custom: { name: string } }> };
      };
  parallel_tool_calls?: boolean;
  response_format?:
    | { type: 'text' }
    | { type: 'json_object' }
    | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null } };
  reasoning_effort?: 'none' | 'minimal' | 'low' | 'medium' | 'high' | null;
  metadata?: Record<string, string> | null;
  /** Switchyard's escape hatch: settings for one provider, keyed by plugin name. */
  provider_options?: Record<string, Record<string, unknown>>;
  [extra: string]: unknown;
}

export type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
  | { type: 'refusal'; refusal: string }
  | { type: 'file'; file: { file_data?: string; file_id?: string; filename?: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } };

export type OpenAIMessage =
  | { role: 'system' | 'developer'; content: string | OpenAIContentPart[]; name?: string }
  | { role: 'user'; content: string | OpenAIContentPart[]; name?: string }
  | {
      role: 'assistant';
      content?: string | OpenAIContentPart[] | null;
      tool_calls?: Array<OpenAIToolCall | OpenAICustomToolCall>;
      refusal?: string | null;
      reasoning_content?: string | null;
      name?: string;
    }
  | { role: 'tool'; tool_call_id: string; content: string | OpenAIContentPart[] };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A call of a custom tool in the history (openai-node's ChatCompletionMessageCustomToolCall). */
export interface OpenAICustomToolCall {
  id: string;
  type: 'custom';
  custom: { name: string; input: string };
}

/** A custom tool (openai-node's ChatCompletionCustomTool): its input is free text, or text a grammar allows. */
export interface OpenAICustomTool {
  type: 'custom';
  custom: {
    name: string;
    description?: string;
    format?: { type: 'text' } | { type: 'grammar'; grammar: { definition: string; syntax: 'lark' | 'regex' } };
  };
}

export interface OpenAITool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number; [key: string]: number | undefined } | null;
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      refusal?: string | null;
      reasoning_content?: string;
      tool_calls?: OpenAIToolCall[];
    };
    logprobs?: null;
    finish_reason: OpenAIFinishReason | null;
  }>;
  usage?: OpenAIUsage;
  system_fingerprint?: string | null;
  service_tier?: string | null;
}

export interface OpenAIChunkToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface OpenAIChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      reasoning_content?: string | null;
      refusal?: string | null;
      tool_calls?: OpenAIChunkToolCall[];
    };
    finish_reason: OpenAIFinishReason | null;
  }>;
  usage?: OpenAIUsage | null;
  system_fingerprint?: string | null;
}

export interface OpenAIEmbeddingsRequestBody {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

export interface OpenAIEmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}
