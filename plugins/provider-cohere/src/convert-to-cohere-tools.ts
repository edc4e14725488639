import type { ToolChoice, ToolDefinition } from '@switchyard/core';
import type { CohereTool } from './cohere-wire-types.js';

/** The tool fields of a Cohere chat body. */
export interface CohereToolFields {
  tools?: CohereTool[];
  tool_choice?: 'REQUIRED' | 'NONE';
  strict_tools?: boolean;
}

/**
 * Canonical tools and tool choice → Cohere. Tools have the OpenAI shape. Cohere
 * knows only `REQUIRED` and `NONE` (no value means auto) and cannot force one
 * named tool, so a named choice sends only that tool, `REQUIRED`: the model then has
 * no other tool to call. Strictness is one switch for all tools (`strict_tools`).
 */
export function convertToCohereTools(tools: readonly ToolDefinition[] | undefined, toolChoice: ToolChoice | undefined): CohereToolFields {
  if (!tools || tools.length === 0) return {};
  let offered = tools;
  let choice: CohereToolFields['tool_choice'];
  switch (toolChoice?.type) {
    case 'none':
      choice = 'NONE';
      break;
    case 'required':
      choice = 'REQUIRED';
      break;
    case 'tool':
      offered = tools.filter((tool) => tool.name === toolChoice.name);
      choice = 'REQUIRED';
      break;
    default:
      choice = undefined;
  }
  const fields: CohereToolFields = {
    tools: offered.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        parameters: tool.parameters,
      },
    })),
  };
  if (choice) fields.tool_choice = choice;
  if (offered.some((tool) => tool.strict === true)) fields.strict_tools = true;
  return fields;
}
