import type { ChatRequest } from '@switchyard/core';
import type { AnthropicCacheControl, AnthropicTool, AnthropicToolChoice } from './anthropic-wire-types.js';
import { jsonResponseTool, jsonResponseToolName } from './json-response-tool.js';

/** The `tools` and `tool_choice` fields of a Messages API body. */
export interface AnthropicToolFields {
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
}

/**
 * Canonical tools, tool choice and `parallelToolCalls` → Anthropic. JSON mode
 * (`responseFormat: json`) adds the JSON-answer tool and makes the model call a tool.
 * `cacheControl` marks the last client tool as a prompt-cache breakpoint.
 */
export function convertToAnthropicTools(request: ChatRequest, cacheControl?: AnthropicCacheControl): AnthropicToolFields {
  const tools: AnthropicTool[] = (request.tools ?? []).map((tool) => ({
    name: tool.name,
    ...(tool.description !== undefined && { description: tool.description }),
    input_schema: tool.parameters,
    // `strict: false` is the API's default; only the opt-in is worth sending.
    ...(tool.strict === true && { strict: true }),
  }));
  if (cacheControl && tools.length > 0) tools[tools.length - 1]!.cache_control = cacheControl;

  const jsonMode = request.responseFormat?.type === 'json';
  if (tools.length === 0 && !jsonMode) return {};
  const clientToolCount = tools.length;
  if (jsonMode) tools.push(jsonResponseTool);

  let choice = toToolChoice(request);
  if (jsonMode) choice = jsonModeChoice(choice, clientToolCount);
  if (choice && choice.type !== 'none' && request.parallelToolCalls !== undefined) {
    choice.disable_parallel_tool_use = !request.parallelToolCalls;
  }
  return { tools, ...(choice && { tool_choice: choice }) };
}

function toToolChoice(request: ChatRequest): AnthropicToolChoice | undefined {
  const choice = request.toolChoice;
  if (choice) {
    if (choice.type === 'required') return { type: 'any' };
    if (choice.type === 'tool') return { type: 'tool', name: choice.name };
    return { type: choice.type };
  }
  // Anthropic carries the parallel switch on tool_choice, so "no parallel calls" needs one.
  return request.parallelToolCalls === undefined ? undefined : { type: 'auto' };
}

// The model must answer through a tool: the JSON tool, or one of the client's if it may use them.
function jsonModeChoice(choice: AnthropicToolChoice | undefined, clientToolCount: number): AnthropicToolChoice {
  if (choice?.type === 'tool') return choice;
  if (clientToolCount > 0 && choice?.type !== 'none') return { type: 'any' };
  return { type: 'tool', name: jsonResponseToolName };
}
