import type { ChatRequest } from '@switchyard/core';
import type { BedrockToolChoice, BedrockToolConfig, BedrockToolSpec } from './bedrock-wire-types.js';
import type { BedrockPrompt } from './convert-to-bedrock-messages.js';
import { jsonResponseTool, jsonResponseToolName } from './json-response-tool.js';

/**
 * Canonical tools and tool choice → `toolConfig`. Converse has no "none": the
 * tools are left out, unless the history holds tool calls, when Converse wants
 * a `toolConfig` anyway; then the tools stay and only the choice is dropped.
 * A request offering no tools over such a history (a follow-up asked without
 * them) declares the tools the history called, by name with any object input.
 * JSON output adds the answer tool and makes the model call a tool.
 * `parallelToolCalls` has no Converse field and is not sent.
 */
export function convertToBedrockTools(request: ChatRequest, prompt: Pick<BedrockPrompt, 'usesTools' | 'calledTools'>): BedrockToolConfig | undefined {
  const tools: BedrockToolSpec[] = (request.tools ?? []).map((tool) => ({
    toolSpec: {
      name: tool.name,
      ...(tool.description !== undefined && { description: tool.description }),
      inputSchema: { json: tool.parameters },
    },
  }));
  const format = request.responseFormat;
  const jsonFormat = format?.type === 'json' || format?.type === 'json-schema' ? format : undefined;
  const choice = request.toolChoice;

  if (prompt.usesTools && tools.length === 0 && !jsonFormat) {
    return prompt.calledTools.length > 0 ? { tools: prompt.calledTools.map(calledToolSpec) } : undefined;
  }
  if (choice?.type === 'none' && !jsonFormat) {
    return prompt.usesTools && tools.length > 0 ? { tools } : undefined;
  }
  if (jsonFormat) {
    const clientTools = choice?.type === 'none' ? 0 : tools.length;
    const kept = tools.slice(0, clientTools);
    kept.push(jsonResponseTool(jsonFormat));
    // The model must answer through a tool: the answer tool, or one of the client's when it may use them.
    const forced: BedrockToolChoice =
      choice?.type === 'tool' ? { tool: { name: choice.name } } : clientTools > 0 ? { any: {} } : { tool: { name: jsonResponseToolName } };
    return { tools: kept, toolChoice: forced };
  }
  if (tools.length === 0) return undefined;
  const toolChoice = toToolChoice(choice);
  return { tools, ...(toolChoice && { toolChoice }) };
}

function toToolChoice(choice: ChatRequest['toolChoice']): BedrockToolChoice | undefined {
  switch (choice?.type) {
    case 'auto':
      return { auto: {} };
    case 'required':
      return { any: {} };
    case 'tool':
      return { tool: { name: choice.name } };
    default:
      return undefined;
  }
}

/** A tool the history called, declared only so Converse takes the history's toolUse blocks. */
function calledToolSpec(name: string): BedrockToolSpec {
  return { toolSpec: { name, inputSchema: { json: { type: 'object' } } } };
}
