import type { ToolChoice, ToolDefinition } from '@switchyard/core';
import { convertJsonSchemaForGemini, schemaNodeBudget, type SchemaNodeBudget } from './convert-json-schema-for-gemini.js';
import { describeRemovedKeywords } from './describe-removed-keywords.js';
import type { GeminiFunctionDeclaration, GeminiTool, GeminiToolConfig } from './gemini-wire-types.js';

/** Tools and tool choice in Gemini's shape, with what had to be dropped on the way. */
export interface GeminiToolsConversion {
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  /** One line per tool whose schema lost keywords Gemini refuses. */
  warnings: string[];
}

/**
 * Canonical tools → one `functionDeclarations` tool, parameters converted to
 * Gemini's schema subset; tool choice → `functionCallingConfig` (`required` is
 * `ANY`, a named tool is `ANY` limited to that name).
 */
export function convertToGeminiTools(
  tools: ToolDefinition[] | undefined,
  toolChoice: ToolChoice | undefined,
  budget: SchemaNodeBudget = schemaNodeBudget(),
): GeminiToolsConversion {
  const result: GeminiToolsConversion = { warnings: [] };
  if (!tools || tools.length === 0) return result;
  const declarations = tools.map((tool): GeminiFunctionDeclaration => {
    const declaration: GeminiFunctionDeclaration = { name: tool.name };
    if (tool.description !== undefined) declaration.description = tool.description;
    const { schema, removed } = convertJsonSchemaForGemini(tool.parameters, budget, 'tools');
    if (removed.length > 0) result.warnings.push(`tools[${tool.name}].parameters: ${describeRemovedKeywords(removed)}`);
    // Gemini refuses an OBJECT without properties; a function without arguments simply has no parameters.
    if (!isEmptyObjectSchema(schema)) declaration.parameters = schema;
    return declaration;
  });
  result.tools = [{ functionDeclarations: declarations }];
  if (toolChoice) {
    result.toolConfig = {
      functionCallingConfig:
        toolChoice.type === 'tool'
          ? { mode: 'ANY', allowedFunctionNames: [toolChoice.name] }
          : { mode: toolChoice.type === 'required' ? 'ANY' : toolChoice.type === 'none' ? 'NONE' : 'AUTO' },
    };
  }
  return result;
}

function isEmptyObjectSchema(schema: Record<string, unknown>): boolean {
  const type = schema['type'];
  const objectOrUntyped = type === undefined || (typeof type === 'string' && type.toLowerCase() === 'object');
  return objectOrUntyped && schema['properties'] === undefined && schema['anyOf'] === undefined;
}
