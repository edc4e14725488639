import type { JsonSchema } from '../../validation/compile-validator.js';
import { calledToolName, requestBounds, toolCallId } from '../openai/chat-completions-request-schema.js';

/** Ceilings of the Responses fields that have no Chat Completions twin; shared ones come from `requestBounds`. */
export const responsesRequestBounds = {
  /** `metadata` pairs, key and value lengths: OpenAI's own limits. */
  maxMetadataPairs: 16,
  maxMetadataKeyLength: 64,
  maxMetadataValueLength: 512,
  /** `user`, `safety_identifier`, `prompt_cache_key`: opaque ids, far above real use. */
  maxIdentifierLength: 256,
  /** `include` entries: there are fewer known values than this. */
  maxInclude: 16,
  /** A response id (`resp_…`): ours are 40-odd characters, OpenAI's under 60. */
  maxResponseIdLength: 128,
} as const;

/** What a response id must look like before any store is asked about it. */
export const responseIdPattern = `^resp_[A-Za-z0-9_-]{1,${responsesRequestBounds.maxResponseIdLength - 5}}$`;

/** The `include` values OpenAI documents (`ResponseIncludable`); unknown ones are refused. */
export const knownIncludes = [
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
] as const;

const inputText = { type: 'object', required: ['type', 'text'], properties: { type: { const: 'input_text' }, text: { type: 'string' } } };
const outputText = { type: 'object', required: ['type', 'text'], properties: { type: { const: 'output_text' }, text: { type: 'string' }, annotations: { type: 'array' } } };
const refusal = { type: 'object', required: ['type', 'refusal'], properties: { type: { const: 'refusal' }, refusal: { type: 'string' } } };
const inputImage = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { const: 'input_image' },
    image_url: { type: ['string', 'null'], minLength: 1 },
    file_id: { type: ['string', 'null'] },
    detail: { enum: ['auto', 'low', 'high'] },
  },
};

/** Content parts; the `type` decides the shape, an unknown one is refused by the parser by name. */
function parts(allowed: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'array',
    items: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string' } },
      allOf: Object.entries(allowed).map(([type, schema]) => ({ if: { properties: { type: { const: type } } }, then: schema })),
    },
  };
}

const messageItem = {
  required: ['role', 'content'],
  properties: {
    role: { enum: ['user', 'assistant', 'system', 'developer'] },
    content: { anyOf: [{ type: 'string' }, parts({ input_text: inputText, output_text: outputText, refusal, input_image: inputImage })] },
    id: { type: 'string' },
    status: { type: 'string' },
  },
};

const functionCallItem = {
  required: ['call_id', 'name', 'arguments'],
  properties: {
    call_id: toolCallId,
    name: calledToolName,
    arguments: { type: 'string' },
    id: { type: 'string' },
    status: { type: 'string' },
  },
};

const functionCallOutputItem = {
  required: ['call_id', 'output'],
  properties: {
    call_id: toolCallId,
    output: { anyOf: [{ type: 'string' }, parts({ input_text: inputText, input_image: inputImage })] },
    id: { type: ['string', 'null'] },
    status: { type: ['string', 'null'] },
  },
};

const reasoningItem = {
  properties: {
    id: { type: 'string' },
    summary: { type: 'array', items: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } },
    content: { type: 'array', items: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } },
    encrypted_content: { type: ['string', 'null'] },
  },
};

const textFormat = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['text', 'json_object', 'json_schema'] } },
  if: { properties: { type: { const: 'json_schema' } } },
  then: {
    required: ['name', 'schema'],
    properties: {
      name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
      schema: { type: 'object' },
      description: { type: 'string' },
      strict: { type: ['boolean', 'null'] },
    },
  },
};

/**
 * The JSON Schema a `POST /v1/responses` body is checked against: strict where a
 * mistake would change the answer (types, ranges, item shapes), open to unknown
 * top-level fields (newer SDKs send more than we read; they are dropped).
 */
export const responsesRequestSchema: JsonSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: { type: 'string', minLength: 1 },
    input: {
      anyOf: [
        { type: 'string' },
        {
          type: 'array',
          items: {
            type: 'object',
            properties: { type: { type: 'string' } },
            allOf: [
              // An item without a type is a message (EasyInputMessage), as the parser reads it: it needs a role and content too.
              { if: { anyOf: [{ required: ['role'] }, { not: { required: ['type'] } }, { properties: { type: { const: 'message' } }, required: ['type'] }] }, then: messageItem },
              { if: { properties: { type: { const: 'function_call' } }, required: ['type'] }, then: functionCallItem },
              { if: { properties: { type: { const: 'function_call_output' } }, required: ['type'] }, then: functionCallOutputItem },
              { if: { properties: { type: { const: 'reasoning' } }, required: ['type'] }, then: reasoningItem },
            ],
          },
        },
      ],
    },
    instructions: { type: ['string', 'null'] },
    tools: {
      type: 'array',
      maxItems: requestBounds.maxTools,
      items: {
        type: 'object',
        required: ['type'],
        properties: {
          // Built-in tools (web_search, file_search …) run at OpenAI: refused by the parser with their name.
          type: { type: 'string' },
          name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,128}$' },
          description: { type: ['string', 'null'] },
          parameters: { type: ['object', 'null'] },
          strict: { type: ['boolean', 'null'] },
        },
      },
    },
    tool_choice: {
      anyOf: [
        { enum: ['auto', 'none', 'required'] },
        {
          type: 'object',
          required: ['type'],
          properties: { type: { type: 'string' }, name: { type: 'string', minLength: 1 } },
          // A function tool's own name pattern: a name that cannot be a tool is refused before it could be echoed.
          if: { properties: { type: { const: 'function' } } },
          then: { properties: { name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,128}$' } } },
        },
      ],
    },
    text: { type: 'object', properties: { format: textFormat, verbosity: { enum: ['low', 'medium', 'high', null] } } },
    reasoning: {
      type: ['object', 'null'],
      properties: {
        effort: { enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', null] },
        summary: { enum: ['auto', 'concise', 'detailed', null] },
        generate_summary: { enum: ['auto', 'concise', 'detailed', null] },
      },
    },
    max_output_tokens: { type: ['integer', 'null'], minimum: 1, maximum: requestBounds.maxOutputTokens },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    // Passed on to OpenAI on the fast path, so held to its ranges as chat's are.
    top_logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    // Each call takes output tokens, so no answer holds more calls than its output limit.
    max_tool_calls: { type: ['integer', 'null'], minimum: 1, maximum: requestBounds.maxOutputTokens },
    parallel_tool_calls: { type: ['boolean', 'null'] },
    metadata: {
      type: ['object', 'null'],
      maxProperties: responsesRequestBounds.maxMetadataPairs,
      propertyNames: { maxLength: responsesRequestBounds.maxMetadataKeyLength },
      additionalProperties: { type: 'string', maxLength: responsesRequestBounds.maxMetadataValueLength },
    },
    user: { type: 'string', maxLength: responsesRequestBounds.maxIdentifierLength },
    safety_identifier: { type: 'string', maxLength: responsesRequestBounds.maxIdentifierLength },
    prompt_cache_key: { type: 'string', maxLength: responsesRequestBounds.maxIdentifierLength },
    store: { type: ['boolean', 'null'] },
    previous_response_id: { anyOf: [{ type: 'string', pattern: responseIdPattern }, { type: 'null' }] },
    include: { type: ['array', 'null'], maxItems: responsesRequestBounds.maxInclude, items: { enum: [...knownIncludes] } },
    stream: { type: ['boolean', 'null'] },
    truncation: { enum: ['auto', 'disabled', null] },
    background: { type: ['boolean', 'null'] },
    // As on chat: settings for one provider, namespaced by its plugin name.
    provider_options: { type: 'object', additionalProperties: { type: 'object' } },
  },
};
