import type { JsonSchema } from '../../validation/compile-validator.js';
import { calledToolName, requestBounds, toolCallId } from '../openai/chat-completions-request-schema.js';

/** Ceilings of the Messages fields that have no OpenAI twin; shared ones come from `requestBounds`. */
export const messagesRequestBounds = {
  /** `stop_sequences` entries; Anthropic documents no limit, this is far above real use. */
  maxStopSequences: 64,
  /** `top_k`: above any vocabulary size. */
  maxTopK: 1_000_000,
  /** `metadata.user_id` length (Anthropic asks for an opaque id such as a uuid or hash). */
  maxUserIdLength: 256,
} as const;

const cacheControl = { type: ['object', 'null'] };

const textBlock = {
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { const: 'text' }, text: { type: 'string' }, cache_control: cacheControl },
};

const imageBlock = {
  type: 'object',
  required: ['type', 'source'],
  properties: {
    type: { const: 'image' },
    cache_control: cacheControl,
    source: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['base64', 'url'] } },
      if: { properties: { type: { const: 'base64' } } },
      then: {
        required: ['media_type', 'data'],
        // Anthropic takes these four alone; any other would reach a translated provider as a file of that type.
        properties: { media_type: { enum: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] }, data: { type: 'string', minLength: 1 } },
      },
      else: { required: ['url'], properties: { url: { type: 'string', pattern: '^https?://' } } },
    },
  },
};

const toolUseBlock = {
  type: 'object',
  required: ['type', 'id', 'name', 'input'],
  properties: {
    type: { const: 'tool_use' },
    id: toolCallId,
    name: calledToolName,
    input: { type: 'object' },
    cache_control: cacheControl,
  },
};

// Documents (PDF, plain text, custom content) and search results: read by Anthropic alone, so
// only an Anthropic target on the fast path takes them (the parser marks the request so).
const documentBlock = {
  type: 'object',
  required: ['type', 'source'],
  properties: {
    type: { const: 'document' },
    source: { type: 'object', required: ['type'], properties: { type: { type: 'string', maxLength: 64 } } },
    title: { type: ['string', 'null'] },
    context: { type: ['string', 'null'] },
    cache_control: cacheControl,
  },
};

const searchResultBlock = {
  type: 'object',
  required: ['type', 'source', 'title', 'content'],
  properties: {
    type: { const: 'search_result' },
    source: { type: 'string' },
    title: { type: 'string' },
    content: blocks({ text: textBlock }),
    cache_control: cacheControl,
  },
};

const toolResultBlock = {
  type: 'object',
  required: ['type', 'tool_use_id'],
  properties: {
    type: { const: 'tool_result' },
    tool_use_id: toolCallId,
    content: { anyOf: [{ type: 'string' }, blocks({ text: textBlock, image: imageBlock, document: documentBlock, search_result: searchResultBlock })] },
    is_error: { type: 'boolean' },
    cache_control: cacheControl,
  },
};

const thinkingBlock = {
  type: 'object',
  required: ['type', 'thinking'],
  properties: { type: { const: 'thinking' }, thinking: { type: 'string' }, signature: { type: 'string' } },
};

const redactedThinkingBlock = {
  type: 'object',
  required: ['type', 'data'],
  properties: { type: { const: 'redacted_thinking' }, data: { type: 'string' } },
};

// Server tool calls and results sent back in a later turn: only an Anthropic target
// on the fast path can take them (the parser marks the request so).
const serverToolUseBlock = {
  type: 'object',
  required: ['type', 'id', 'name', 'input'],
  properties: { type: { const: 'server_tool_use' }, id: toolCallId, name: calledToolName, input: { type: 'object' } },
};

const serverToolResultBlock = {
  type: 'object',
  required: ['type', 'tool_use_id', 'content'],
  properties: { type: { const: 'web_search_tool_result' }, tool_use_id: toolCallId },
};

/** An array of content blocks; the `type` decides which shape applies. */
function blocks(allowed: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'array',
    items: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: Object.keys(allowed) } },
      allOf: Object.entries(allowed).map(([type, schema]) => ({ if: { properties: { type: { const: type } } }, then: schema })),
    },
  };
}

const messageShapes: Record<string, JsonSchema> = {
  user: {
    properties: {
      content: {
        anyOf: [
          { type: 'string' },
          blocks({ text: textBlock, image: imageBlock, tool_result: toolResultBlock, document: documentBlock, search_result: searchResultBlock }),
        ],
      },
    },
  },
  assistant: {
    properties: {
      content: {
        anyOf: [
          { type: 'string' },
          blocks({
            text: textBlock,
            tool_use: toolUseBlock,
            thinking: thinkingBlock,
            redacted_thinking: redactedThinkingBlock,
            server_tool_use: serverToolUseBlock,
            web_search_tool_result: serverToolResultBlock,
          }),
        ],
      },
    },
  },
};

const jsonSchemaFormat = {
  type: 'object',
  required: ['type', 'schema'],
  properties: { type: { const: 'json_schema' }, schema: { type: 'object' } },
};

/**
 * The JSON Schema an incoming `POST /v1/messages` body is checked against: strict
 * where a mistake would change the answer (types, ranges, block shapes), open to
 * unknown top-level fields, which are kept for an Anthropic target.
 */
export const messagesRequestSchema: JsonSchema = {
  type: 'object',
  required: ['model', 'max_tokens', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    max_tokens: { type: 'integer', minimum: 1, maximum: requestBounds.maxOutputTokens },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: { role: { enum: Object.keys(messageShapes) } },
        allOf: Object.entries(messageShapes).map(([role, schema]) => ({ if: { properties: { role: { const: role } } }, then: schema })),
      },
    },
    system: { anyOf: [{ type: 'string' }, blocks({ text: textBlock })] },
    stop_sequences: { type: 'array', maxItems: messagesRequestBounds.maxStopSequences, items: { type: 'string', minLength: 1, maxLength: requestBounds.maxStopSequenceLength } },
    stream: { type: 'boolean' },
    temperature: { type: 'number', minimum: 0, maximum: 1 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    top_k: { type: 'integer', minimum: 0, maximum: messagesRequestBounds.maxTopK },
    tools: {
      type: 'array',
      maxItems: requestBounds.maxTools,
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          // Server tools (web search, code execution, bash …) run at Anthropic: only the same-dialect fast path can send them.
          type: { type: 'string' },
          name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,128}$' },
          description: { type: 'string' },
          input_schema: { type: 'object' },
          strict: { type: 'boolean' },
          cache_control: cacheControl,
        },
      },
    },
    tool_choice: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['auto', 'any', 'tool', 'none'] }, disable_parallel_tool_use: { type: 'boolean' } },
      if: { properties: { type: { const: 'tool' } } },
      // A tool's own name pattern: a name that cannot be a tool is refused before it could be echoed.
      then: { required: ['name'], properties: { name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,128}$' } } },
    },
    metadata: {
      type: 'object',
      properties: { user_id: { type: ['string', 'null'], maxLength: messagesRequestBounds.maxUserIdLength } },
    },
    thinking: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['enabled', 'disabled', 'adaptive'] } },
      if: { properties: { type: { const: 'enabled' } } },
      then: { required: ['budget_tokens'], properties: { budget_tokens: { type: 'integer', minimum: 1, maximum: requestBounds.maxOutputTokens } } },
    },
    output_format: jsonSchemaFormat,
    output_config: {
      type: 'object',
      properties: { format: { anyOf: [jsonSchemaFormat, { type: 'null' }] }, effort: { enum: ['low', 'medium', 'high'] } },
    },
    provider_options: { type: 'object', additionalProperties: { type: 'object' } },
  },
};
