import type { ResponseFormat } from '@switchyard/core';
import type { BedrockToolSpec } from './bedrock-wire-types.js';

/**
 * Converse has no portable JSON mode, so JSON output is asked for the way NOTES.md
 * advises: one tool the model is forced to call, its input being the answer,
 * turned back into text on the way out. The name is reserved.
 */
export const jsonResponseToolName = 'switchyard_json_response';

/** The answer tool for a JSON response format; a schema becomes its input schema. */
export function jsonResponseTool(format: Extract<ResponseFormat, { type: 'json' | 'json-schema' }>): BedrockToolSpec {
  const schema = format.type === 'json-schema' ? format.schema : { type: 'object', additionalProperties: true };
  const description =
    (format.type === 'json-schema' ? format.description : undefined) ??
    'Respond to the user with a JSON object. Put the whole answer in the input of this tool.';
  return { toolSpec: { name: jsonResponseToolName, description, inputSchema: { json: schema } } };
}
