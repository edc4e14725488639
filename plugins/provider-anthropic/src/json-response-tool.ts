import type { AnthropicTool } from './anthropic-wire-types.js';

/**
 * Anthropic has no JSON mode without a schema. Following the API's own advice, the
 * gateway emulates it with a tool the model is made to call: its input is the JSON
 * answer, which the response side turns back into text. The name is reserved; a
 * client tool of the same name would be read as the answer.
 */
export const jsonResponseToolName = 'switchyard_json_response';

export const jsonResponseTool: AnthropicTool = {
  name: jsonResponseToolName,
  description: 'Respond to the user with a JSON object. Put the whole answer in the input of this tool.',
  input_schema: { type: 'object', additionalProperties: true },
};
