import type { JsonSchema } from '../../validation/compile-validator.js';

/**
 * The ceilings of the numeric fields clients send. Every number is finite (the body
 * parser refuses `1e309`) and each has a range, so nothing downstream meets a
 * value it cannot price, allocate or serialize. docs/limits.md lists them.
 */
export const requestBounds = {
  /** `max_tokens` / `max_completion_tokens`: above any model's output limit today. */
  maxOutputTokens: 1_000_000,
  /** `dimensions` of an embedding: far above the largest model's 3,072. */
  maxEmbeddingDimensions: 65_536,
  /** Items of an embeddings `input` array (OpenAI's own limit). */
  maxEmbeddingInputs: 2048,
  /** A token id, in `logit_bias` keys and token-array inputs. */
  maxTokenId: 2 ** 31 - 1,
  /** `tools` per request (OpenAI's own limit). */
  maxTools: 128,
  /** `logit_bias` entries per request. */
  maxLogitBiasEntries: 1024,
  /** `user` (an end-user id forwarded upstream) and a message's `name`: as the Responses and Messages ingresses bound theirs. */
  maxIdentifierLength: 256,
  /**
   * A tool call's id in the history (`tool_calls[].id`, `tool_call_id`, Anthropic's
   * `tool_use.id` / `tool_use_id`, Responses `call_id`): sent upstream again, so bounded.
   * Providers' own are under 64 characters, but the id the gateway gives a Gemini call
   * carries the call's thought signature (inventToolCallId), which runs to a few KB and
   * must come back (test/gemini-thought-signature-round-trip.test.ts): 256 refused it.
   */
  maxToolCallIdLength: 65_536,
  /**
   * A tool's name in the history (the name a model called): the longest a tool
   * definition may have on any ingress (Anthropic's and Responses' 128). Not held to
   * the definition's pattern: a model may have written a name no tool has.
   */
  maxToolNameLength: 128,
  /**
   * One stop sequence (chat's `stop`, Messages' `stop_sequences`), in characters: stop
   * sequences are a closing tag or a turn marker, a few dozen characters; only the body
   * limit held them, and a megabyte one went upstream on every attempt.
   */
  maxStopSequenceLength: 1000,
  /** A custom tool's `description`, in characters: prompt the model reads on every call, a few paragraphs at most. */
  maxCustomToolDescriptionLength: 100_000,
  /**
   * A custom tool's grammar (`format.grammar.definition`, Lark or a regex), in characters:
   * OpenAI documents no length; real grammars are a few KB, and this one goes upstream on
   * every attempt.
   */
  maxGrammarDefinitionLength: 100_000,
} as const;

const identifier = { type: 'string', maxLength: requestBounds.maxIdentifierLength };
/** A tool call's id and a called tool's name, as the history carries them. */
export const toolCallId = { type: 'string', minLength: 1, maxLength: requestBounds.maxToolCallIdLength };
export const calledToolName = { type: 'string', minLength: 1, maxLength: requestBounds.maxToolNameLength };

/** A tool's or a response format's name, as OpenAI takes it. */
const openAIName = { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' };

/** A function tool named in a tool choice. A tool's own name pattern: a name that cannot be a tool is refused before it could be echoed. */
const functionByName = {
  type: 'object',
  required: ['type', 'function'],
  properties: {
    type: { const: 'function' },
    function: { type: 'object', required: ['name'], properties: { name: openAIName } },
  },
};

/**
 * A custom tool (GPT-5's free-form tools) named in a tool choice, as openai-node's
 * ChatCompletionNamedToolChoiceCustom: `{ type: 'custom', custom: { name } }`.
 */
const customByName = {
  type: 'object',
  required: ['type', 'custom'],
  properties: {
    type: { const: 'custom' },
    custom: { type: 'object', required: ['name'], properties: { name: openAIName } },
  },
};

/**
 * An entry of `allowed_tools.tools`. openai-node types it only as an object; the entries
 * OpenAI's guide shows are a tool named as in a named choice, so a custom one is taken so too.
 */
const allowedToolByName = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['function', 'custom'] } },
  allOf: [
    { if: { properties: { type: { const: 'function' } } }, then: functionByName },
    { if: { properties: { type: { const: 'custom' } } }, then: customByName },
  ],
};

const safeInteger = { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
const tokenId = { type: 'integer', minimum: 0, maximum: requestBounds.maxTokenId };

const textPart = {
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { const: 'text' }, text: { type: 'string' } },
};

const imagePart = {
  type: 'object',
  required: ['type', 'image_url'],
  properties: {
    type: { const: 'image_url' },
    image_url: {
      type: 'object',
      required: ['url'],
      properties: { url: { type: 'string', minLength: 1 }, detail: { enum: ['auto', 'low', 'high'] } },
    },
  },
};

// A file (a PDF as `file_data`, or a `file_id`) and input audio: read by OpenAI alone, so only the
// same-dialect fast path to OpenAI takes them (the parser marks the request so).
const filePart = {
  type: 'object',
  required: ['type', 'file'],
  properties: {
    type: { const: 'file' },
    file: { type: 'object', properties: { file_data: { type: 'string' }, file_id: { type: 'string' }, filename: { type: 'string' } } },
  },
};

const audioPart = {
  type: 'object',
  required: ['type', 'input_audio'],
  properties: {
    type: { const: 'input_audio' },
    input_audio: { type: 'object', required: ['data', 'format'], properties: { data: { type: 'string' }, format: { type: 'string' } } },
  },
};

const refusalPart = {
  type: 'object',
  required: ['type', 'refusal'],
  properties: { type: { const: 'refusal' }, refusal: { type: 'string' } },
};

/** A content part must be one of the known kinds; the `type` decides which shape applies. */
function contentParts(allowed: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'array',
    items: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: Object.keys(allowed) } },
      allOf: Object.entries(allowed).map(([type, schema]) => ({
        if: { properties: { type: { const: type } } },
        then: schema,
      })),
    },
  };
}

const functionToolCall = {
  required: ['id', 'function'],
  properties: {
    id: toolCallId,
    function: {
      type: 'object',
      required: ['name', 'arguments'],
      properties: { name: calledToolName, arguments: { type: 'string' } },
    },
  },
};

/**
 * A custom tool's call in the history, as openai-node's ChatCompletionMessageCustomToolCall:
 * `{ id, type: 'custom', custom: { name, input } }`. The input, free text the model wrote,
 * is held by the body limit as a function call's arguments are.
 */
const customToolCall = {
  required: ['id', 'custom'],
  properties: {
    id: toolCallId,
    custom: {
      type: 'object',
      required: ['name', 'input'],
      properties: { name: calledToolName, input: { type: 'string' } },
    },
  },
};

const toolCall = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['function', 'custom'] } },
  allOf: [
    { if: { properties: { type: { const: 'function' } } }, then: functionToolCall },
    { if: { properties: { type: { const: 'custom' } } }, then: customToolCall },
  ],
};

const functionTool = {
  required: ['function'],
  properties: {
    function: {
      type: 'object',
      required: ['name'],
      properties: {
        name: openAIName,
        description: { type: 'string' },
        parameters: { type: 'object' },
        strict: { type: ['boolean', 'null'] },
      },
    },
  },
};

/** A grammar a custom tool's input must match (openai-node's ChatCompletionCustomTool.Custom.Grammar). */
const customToolGrammar = {
  required: ['grammar'],
  properties: {
    grammar: {
      type: 'object',
      required: ['definition', 'syntax'],
      properties: {
        definition: { type: 'string', maxLength: requestBounds.maxGrammarDefinitionLength },
        syntax: { enum: ['lark', 'regex'] },
      },
    },
  },
};

/**
 * A custom tool (GPT-5's free-form tools), as openai-node's ChatCompletionCustomTool:
 * `{ type: 'custom', custom: { name, description?, format?: { type: 'text' } | { type: 'grammar', grammar } } }`.
 * Read by OpenAI alone: the parser marks the request for the fast path only.
 */
const customTool = {
  required: ['custom'],
  properties: {
    custom: {
      type: 'object',
      required: ['name'],
      properties: {
        name: openAIName,
        description: { type: 'string', maxLength: requestBounds.maxCustomToolDescriptionLength },
        format: {
          type: 'object',
          required: ['type'],
          properties: { type: { enum: ['text', 'grammar'] } },
          if: { properties: { type: { const: 'grammar' } } },
          then: customToolGrammar,
        },
      },
    },
  },
};

const messageShapes: Record<string, JsonSchema> = {
  system: {
    required: ['content'],
    properties: { content: { anyOf: [{ type: 'string' }, contentParts({ text: textPart })] } },
  },
  developer: {
    required: ['content'],
    properties: { content: { anyOf: [{ type: 'string' }, contentParts({ text: textPart })] } },
  },
  user: {
    required: ['content'],
    properties: {
      content: { anyOf: [{ type: 'string' }, contentParts({ text: textPart, image_url: imagePart, file: filePart, input_audio: audioPart })] },
      name: identifier,
    },
  },
  assistant: {
    properties: {
      content: { anyOf: [{ type: 'string' }, { type: 'null' }, contentParts({ text: textPart, refusal: refusalPart })] },
      tool_calls: { type: 'array', items: toolCall },
      refusal: { type: ['string', 'null'] },
      reasoning_content: { type: ['string', 'null'] },
      name: identifier,
    },
  },
  tool: {
    required: ['tool_call_id', 'content'],
    properties: {
      tool_call_id: toolCallId,
      content: { anyOf: [{ type: 'string' }, contentParts({ text: textPart })] },
    },
  },
};

/**
 * The JSON Schema an incoming `POST /v1/chat/completions` body is checked against.
 * It is strict where a mistake would change the answer (types, ranges, message
 * shapes) and lets unknown top-level fields through for providers that use them.
 */
export const chatCompletionsRequestSchema: JsonSchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role'],
        properties: { role: { enum: Object.keys(messageShapes) } },
        allOf: Object.entries(messageShapes).map(([role, schema]) => ({
          if: { properties: { role: { const: role } } },
          then: schema,
        })),
      },
    },
    stream: { type: ['boolean', 'null'] },
    stream_options: {
      type: ['object', 'null'],
      properties: { include_usage: { type: 'boolean' } },
    },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    n: { type: ['integer', 'null'], minimum: 1, maximum: 1 },
    max_tokens: { type: ['integer', 'null'], minimum: 1, maximum: requestBounds.maxOutputTokens },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 1, maximum: requestBounds.maxOutputTokens },
    presence_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
    frequency_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
    seed: { ...safeInteger, type: ['integer', 'null'] },
    // Passed on to OpenAI-compatible providers as they are; checked so they arrive sane.
    logit_bias: {
      type: ['object', 'null'],
      maxProperties: requestBounds.maxLogitBiasEntries,
      propertyNames: { pattern: '^(0|[1-9][0-9]{0,9})$' },
      additionalProperties: { type: 'number', minimum: -100, maximum: 100 },
    },
    logprobs: { type: ['boolean', 'null'] },
    top_logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    user: identifier,
    stop: {
      anyOf: [
        { type: 'string', maxLength: requestBounds.maxStopSequenceLength },
        { type: 'array', items: { type: 'string', maxLength: requestBounds.maxStopSequenceLength }, maxItems: 4 },
        { type: 'null' },
      ],
    },
    tools: {
      type: 'array',
      maxItems: requestBounds.maxTools,
      items: {
        type: 'object',
        required: ['type'],
        properties: { type: { enum: ['function', 'custom'] } },
        allOf: [
          { if: { properties: { type: { const: 'function' } } }, then: functionTool },
          { if: { properties: { type: { const: 'custom' } } }, then: customTool },
        ],
      },
    },
    tool_choice: {
      anyOf: [
        { enum: ['auto', 'none', 'required'] },
        functionByName,
        customByName,
        {
          type: 'object',
          required: ['type', 'allowed_tools'],
          properties: {
            type: { const: 'allowed_tools' },
            allowed_tools: {
              type: 'object',
              required: ['mode', 'tools'],
              properties: {
                mode: { enum: ['auto', 'required'] },
                tools: {
                  type: 'array',
                  maxItems: requestBounds.maxTools,
                  items: allowedToolByName,
                },
              },
            },
          },
        },
      ],
    },
    parallel_tool_calls: { type: 'boolean' },
    response_format: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['text', 'json_object', 'json_schema'] } },
      if: { properties: { type: { const: 'json_schema' } } },
      then: {
        required: ['json_schema'],
        properties: {
          json_schema: {
            type: 'object',
            required: ['name'],
            properties: {
              // OpenAI's own pattern, as the Responses route's `text.format.name`: it goes upstream as it came.
              name: openAIName,
              description: { type: 'string' },
              schema: { type: 'object' },
              strict: { type: ['boolean', 'null'] },
            },
          },
        },
      },
    },
    reasoning_effort: { enum: ['none', 'minimal', 'low', 'medium', 'high', null] },
    // OpenAI's own bounds: 16 pairs, keys up to 64 characters, values up to 512.
    metadata: {
      type: ['object', 'null'],
      maxProperties: 16,
      propertyNames: { maxLength: 64 },
      additionalProperties: { type: 'string', maxLength: 512 },
    },
    provider_options: {
      type: 'object',
      description: 'Settings for one provider, namespaced by provider plugin name: { anthropic: {...} }.',
      additionalProperties: { type: 'object' },
    },
  },
};

export const embeddingsRequestSchema: JsonSchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: { type: 'string', minLength: 1 },
    input: {
      anyOf: [
        { type: 'string' },
        { type: 'array', minItems: 1, maxItems: requestBounds.maxEmbeddingInputs, items: { type: 'string' } },
        { type: 'array', minItems: 1, items: tokenId },
        {
          type: 'array',
          minItems: 1,
          maxItems: requestBounds.maxEmbeddingInputs,
          items: { type: 'array', minItems: 1, items: tokenId },
        },
      ],
    },
    encoding_format: { enum: ['float', 'base64'] },
    dimensions: { type: 'integer', minimum: 1, maximum: requestBounds.maxEmbeddingDimensions },
    user: identifier,
  },
};
