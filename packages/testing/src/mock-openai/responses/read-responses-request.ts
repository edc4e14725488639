import { isRecord } from '../../mock-server/is-record.js';
import type { ChatRequestView, ChatTool, ChatToolChoice } from '../chat/chat-request-view.js';
import { invalidRequestBody, type OpenAIErrorBody } from '../openai-error-body.js';

/**
 * The top-level fields OpenAI's `POST /v1/responses` accepts (openai-node 6.x
 * `ResponseCreateParamsBase`). OpenAI refuses any other with a 400
 * `unknown_parameter`, and so does the mock: a gateway that leaks one of its own
 * fields upstream fails a test instead of a customer's call.
 */
const knownFields = new Set([
  'background', 'conversation', 'include', 'input', 'instructions', 'max_output_tokens', 'max_tool_calls', 'metadata',
  'model', 'parallel_tool_calls', 'previous_response_id', 'prompt', 'prompt_cache_key', 'prompt_cache_retention',
  'reasoning', 'safety_identifier', 'service_tier', 'store', 'stream', 'stream_options', 'temperature', 'text',
  'tool_choice', 'tools', 'top_logprobs', 'top_p', 'truncation', 'user', 'context_management',
]);

/** What the mock reads from a Responses body: the chat view the shared reply planner takes, and the echo fields. */
export interface ResponsesRequestView extends ChatRequestView {
  body: Record<string, unknown>;
}

export type ResponsesRequestReading = { request: ResponsesRequestView } | { invalid: OpenAIErrorBody };

/** Reads a Responses body as OpenAI would: strict about top-level fields, lenient inside items. */
export function readResponsesRequest(body: unknown): ResponsesRequestReading {
  if (!isRecord(body)) return { invalid: invalidRequestBody('We could not parse the JSON body of your request.') };
  for (const field of Object.keys(body)) {
    if (!knownFields.has(field)) return { invalid: invalidRequestBody(`Unknown parameter: '${field}'.`, field, 'unknown_parameter') };
  }
  if (typeof body['model'] !== 'string' || body['model'] === '') {
    return { invalid: invalidRequestBody("Missing required parameter: 'model'.", 'model', 'missing_required_parameter') };
  }
  if (body['previous_response_id'] != null && body['store'] === false) {
    // The mock keeps nothing: a gateway must expand the conversation itself.
    return { invalid: invalidRequestBody(`Previous response with id '${String(body['previous_response_id'])}' not found.`, 'previous_response_id', 'previous_response_not_found') };
  }
  const items: Record<string, unknown>[] = typeof body['input'] === 'string'
    ? [{ type: 'message', role: 'user', content: body['input'] }]
    : Array.isArray(body['input']) ? body['input'].filter(isRecord) : [];
  const texts: string[] = [];
  if (typeof body['instructions'] === 'string') texts.push(body['instructions']);
  let lastUserText = '';
  for (const item of items) {
    const text = itemText(item);
    texts.push(text);
    if ((item['type'] === undefined || item['type'] === 'message') && item['role'] === 'user') lastUserText = text;
  }
  const last = items.at(-1);
  return {
    request: {
      body,
      model: body['model'],
      stream: body['stream'] === true,
      includeUsage: true,
      includeObfuscation: false,
      tools: readTools(body['tools']),
      toolChoice: readToolChoice(body['tool_choice']),
      parallelToolCalls: body['parallel_tool_calls'] !== false,
      messageTexts: texts,
      lastUserText,
      toolResultText: last?.['type'] === 'function_call_output' ? itemText(last) : undefined,
    },
  };
}

function itemText(item: Record<string, unknown>): string {
  if (item['type'] === 'function_call') return `${String(item['name'])}${String(item['arguments'])}`;
  const content = item['type'] === 'function_call_output' ? item['output'] : item['content'];
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter(isRecord).map((part) => (typeof part['text'] === 'string' ? part['text'] : '')).join('');
}

function readTools(tools: unknown): ChatTool[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter(isRecord).filter((tool) => tool['type'] === 'function' && typeof tool['name'] === 'string')
    .map((tool) => ({ name: tool['name'] as string, parameters: tool['parameters'] }));
}

function readToolChoice(choice: unknown): ChatToolChoice {
  if (choice === 'none' || choice === 'required') return choice;
  if (isRecord(choice) && choice['type'] === 'function' && typeof choice['name'] === 'string') return { name: choice['name'] };
  return 'auto';
}
