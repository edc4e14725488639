import type { AssistantContentPart, ChatRequest, ToolDefinition } from '@switchyard/core';

/**
 * Decides what the mock answers, deterministically: the last user message echoed;
 * a tool call when the request requires one or names a tool in its last message;
 * a JSON document when JSON output is asked for.
 *
 * A generated document (tool arguments, a JSON answer) is built only to about
 * `maxCharacters`, the most the caller keeps of the answer: each required string is the
 * prompt, so a schema of many names times a long prompt was megabytes to gigabytes.
 */
export function composeReply(request: ChatRequest, requestId: string, maxCharacters: number): AssistantContentPart[] {
  const last = request.messages[request.messages.length - 1];
  if (last?.role === 'tool') return [{ type: 'text', text: `Tool result received: ${last.content}` }];

  const prompt = lastUserText(request);
  const tools = chosenTools(request, prompt);
  const room = { left: maxCharacters };
  if (tools.length > 0) {
    return tools.map((tool, index) => ({
      type: 'tool-call',
      id: `call_mock${requestId.slice(-12)}${index}`,
      name: tool.name,
      arguments: JSON.stringify(valueFor(tool.parameters, prompt, room)),
    }));
  }
  const format = request.responseFormat;
  if (format?.type === 'json') return [{ type: 'text', text: JSON.stringify({ echo: prompt }) }];
  if (format?.type === 'json-schema') return [{ type: 'text', text: JSON.stringify(valueFor(format.schema, prompt, room)) }];
  return [{ type: 'text', text: prompt }];
}

export function lastUserText(request: ChatRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index]!;
    if (message.role !== 'user') continue;
    const text = message.content
      .map((part) => (part.type === 'text' ? part.text : ''))
      .join('')
      .trim();
    return text || '(an image)';
  }
  return '(no user message)';
}

function chosenTools(request: ChatRequest, prompt: string): ToolDefinition[] {
  const tools = request.tools ?? [];
  const choice = request.toolChoice ?? { type: 'auto' };
  if (tools.length === 0 || choice.type === 'none') return [];
  if (choice.type === 'tool') return tools.filter((tool) => tool.name === choice.name);
  const parallel = request.parallelToolCalls !== false;
  if (choice.type === 'required') return parallel ? tools.slice(0, 2) : tools.slice(0, 1);
  const mentioned = tools.filter((tool) => prompt.includes(tool.name));
  return parallel ? mentioned : mentioned.slice(0, 1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value that satisfies the schema: required strings carry the prompt. `room.left` is
 * what is still kept of the answer; once it is spent no more properties are added (the
 * document is cut there anyway), so the work is bounded by the output limit.
 */
function valueFor(schema: Record<string, unknown>, prompt: string, room: { left: number }): unknown {
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  switch (schema['type']) {
    case 'object': {
      // The schema is the client's JSON: `required` may hold any value and name __proto__,
      // `properties` may be no object. Only string names become arguments, each an own key.
      const properties = isObject(schema['properties']) ? schema['properties'] : {};
      // Each name once: a name repeated at every level of a nested schema was walked as often as
      // the repeats to the power of the depth (40 repeats at 12 levels, a few kilobytes, froze the process).
      const required = new Set<unknown>(Array.isArray(schema['required']) ? schema['required'] : []);
      const result: Record<string, unknown> = {};
      for (const name of required) {
        if (room.left <= 0) break;
        if (typeof name !== 'string') continue;
        room.left -= name.length + 4;
        const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
        const value = valueFor(isObject(property) ? property : { type: 'string' }, prompt, room);
        Object.defineProperty(result, name, { value, enumerable: true, writable: true, configurable: true });
      }
      return result;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    default:
      room.left -= prompt.length;
      return prompt;
  }
}
