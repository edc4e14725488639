import { isRecord } from '../../mock-server/is-record.js';

/** A tool the request offered. */
export interface CohereChatTool {
  name: string;
  parameters: unknown;
}

/** What the default responder needs from a `POST /v2/chat` request. */
export interface CohereChatRequestView {
  model: string;
  stream: boolean;
  maxTokens: number | undefined;
  tools: CohereChatTool[];
  toolChoice: 'REQUIRED' | 'NONE' | undefined;
  stopSequences: string[];
  /** `response_format.json_schema`, or `null` for JSON mode without a schema; undefined when no JSON was asked for. */
  jsonSchema: unknown;
  /** Text of every message, for the token estimate. */
  promptTexts: string[];
  /** The text of the last user message; empty when there is none. */
  lastUserText: string;
  /** Contents of the tool messages that end the conversation, as text. */
  toolResults: string[];
}

/** Either the request, or the status and message Cohere would refuse it with. */
export type CohereChatRequestReading = { request: CohereChatRequestView } | { status: number; invalid: string };

const knownFields = new Set([
  'model', 'messages', 'tools', 'documents', 'citation_options', 'response_format', 'safety_mode', 'max_tokens',
  'stop_sequences', 'temperature', 'seed', 'frequency_penalty', 'presence_penalty', 'k', 'p', 'logprobs',
  'tool_choice', 'strict_tools', 'thinking', 'stream', 'priority',
]);

/**
 * Checks a request as strictly as the v2 API on the points a gateway can get wrong:
 * no unknown top-level fields (v1 names like `preamble`, OpenAI names like `top_p`:
 * a 422, as in `errors.json`), the four roles, content shapes per role, image parts
 * with a data or http(s) URL, `tool_choice` spelled `REQUIRED`/`NONE`, tool calls
 * with JSON-string arguments, and every tool message answering a call of the
 * assistant turn before it.
 */
export function readCohereChatRequest(body: unknown): CohereChatRequestReading {
  const invalid = (message: string, status = 400): CohereChatRequestReading => ({ status, invalid: `invalid request: ${message}` });
  if (!isRecord(body)) return invalid('the request body is not valid JSON');
  for (const field of Object.keys(body)) {
    if (!knownFields.has(field)) return invalid(`unknown field: parameter '${field}' is not a valid field`, 422);
  }
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') return invalid('model must be a non-empty string');
  if (!Array.isArray(messages) || messages.length === 0) return invalid('messages must be a non-empty array');
  const toolChoice = body['tool_choice'];
  if (toolChoice !== undefined && toolChoice !== 'REQUIRED' && toolChoice !== 'NONE') {
    return invalid(`tool_choice must be one of REQUIRED, NONE; got ${JSON.stringify(toolChoice)}`);
  }
  const tools = readTools(body['tools']);
  if (typeof tools === 'string') return invalid(tools);
  const format = body['response_format'];
  if (format !== undefined && (!isRecord(format) || (format['type'] !== 'text' && format['type'] !== 'json_object'))) {
    return invalid('response_format.type must be text or json_object');
  }
  const stop = body['stop_sequences'];
  if (stop !== undefined && (!Array.isArray(stop) || !stop.every((item) => typeof item === 'string'))) {
    return invalid('stop_sequences must be an array of strings');
  }
  const maxTokens = body['max_tokens'];
  if (maxTokens !== undefined && (typeof maxTokens !== 'number' || maxTokens < 1)) return invalid('max_tokens must be a positive integer');

  const promptTexts: string[] = [];
  let lastUserText = '';
  let pendingCallIds = new Set<string>();
  let toolResults: string[] = [];
  for (const [index, message] of messages.entries()) {
    const path = `messages[${index}]`;
    if (!isRecord(message)) return invalid(`${path} must be an object`);
    const role = message['role'];
    if (role !== 'tool') toolResults = [];
    switch (role) {
      case 'system': {
        const text = readText(message['content']);
        if (text === undefined) return invalid(`${path}.content must be a string or text blocks`);
        promptTexts.push(text);
        pendingCallIds = new Set();
        break;
      }
      case 'user': {
        const text = readUserContent(message['content'], path);
        if (text.error) return invalid(text.error);
        promptTexts.push(text.text);
        lastUserText = text.text;
        pendingCallIds = new Set();
        break;
      }
      case 'assistant': {
        const reading = readAssistant(message, path);
        if (typeof reading === 'string') return invalid(reading);
        promptTexts.push(reading.text);
        pendingCallIds = reading.callIds;
        break;
      }
      case 'tool': {
        const id = message['tool_call_id'];
        if (typeof id !== 'string' || !pendingCallIds.has(id)) {
          return invalid(`${path}.tool_call_id ${JSON.stringify(id)} does not answer a tool call of the assistant message before it`);
        }
        const text = readToolContent(message['content']);
        if (text === undefined) return invalid(`${path}.content must be a string, or document and text blocks`);
        promptTexts.push(text);
        toolResults.push(text);
        break;
      }
      default:
        return invalid(`${path}.role must be one of system, user, assistant, tool; got ${JSON.stringify(role)}`);
    }
  }
  return {
    request: {
      model,
      stream: body['stream'] === true,
      maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
      tools,
      toolChoice: toolChoice as CohereChatRequestView['toolChoice'],
      stopSequences: (stop as string[] | undefined) ?? [],
      jsonSchema: isRecord(format) && format['type'] === 'json_object' ? (format['json_schema'] ?? null) : undefined,
      promptTexts,
      lastUserText,
      toolResults,
    },
  };
}

function readTools(value: unknown): CohereChatTool[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return 'tools must be an array';
  const tools: CohereChatTool[] = [];
  for (const [index, tool] of value.entries()) {
    const fn = isRecord(tool) ? tool['function'] : undefined;
    if (!isRecord(tool) || tool['type'] !== 'function' || !isRecord(fn) || typeof fn['name'] !== 'string' || fn['name'] === '') {
      return `tools[${index}] must be {type:"function", function:{name, parameters}}`;
    }
    tools.push({ name: fn['name'], parameters: fn['parameters'] });
  }
  return tools;
}

function readText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const block of content) {
    if (!isRecord(block) || block['type'] !== 'text' || typeof block['text'] !== 'string') return undefined;
    text += block['text'];
  }
  return text;
}

function readUserContent(content: unknown, path: string): { text: string; error?: string } {
  if (typeof content === 'string') return { text: content };
  if (!Array.isArray(content) || content.length === 0) return { text: '', error: `${path}.content must be a string or a non-empty array` };
  let text = '';
  for (const [index, block] of content.entries()) {
    const at = `${path}.content[${index}]`;
    if (isRecord(block) && block['type'] === 'text' && typeof block['text'] === 'string') {
      text += block['text'];
    } else if (isRecord(block) && block['type'] === 'image_url') {
      const image = block['image_url'];
      const url = isRecord(image) ? image['url'] : undefined;
      if (typeof url !== 'string' || !/^(data:image\/[a-z+.-]+;base64,|https?:\/\/)/i.test(url)) {
        return { text, error: `${at}.image_url.url must be a data URL or an http(s) URL` };
      }
    } else {
      return { text, error: `${at} must be a text or image_url block` };
    }
  }
  return { text };
}

function readAssistant(message: Record<string, unknown>, path: string): { text: string; callIds: Set<string> } | string {
  const content = message['content'];
  const text = content === undefined ? '' : readText(content);
  if (text === undefined) return `${path}.content must be a string or text blocks`;
  const plan = message['tool_plan'];
  if (plan !== undefined && typeof plan !== 'string') return `${path}.tool_plan must be a string`;
  const calls = message['tool_calls'];
  const callIds = new Set<string>();
  if (calls !== undefined) {
    if (!Array.isArray(calls)) return `${path}.tool_calls must be an array`;
    for (const [index, call] of calls.entries()) {
      const fn = isRecord(call) ? call['function'] : undefined;
      if (!isRecord(call) || typeof call['id'] !== 'string' || call['type'] !== 'function' || !isRecord(fn) || typeof fn['name'] !== 'string') {
        return `${path}.tool_calls[${index}] must be {id, type:"function", function:{name, arguments}}`;
      }
      if (typeof fn['arguments'] !== 'string') return `${path}.tool_calls[${index}].function.arguments must be a JSON string`;
      callIds.add(call['id']);
    }
  }
  if (text === '' && callIds.size === 0) return `${path} must have content or tool_calls`;
  return { text: (plan ?? '') + text, callIds };
}

function readToolContent(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const block of content) {
    if (isRecord(block) && block['type'] === 'text' && typeof block['text'] === 'string') texts.push(block['text']);
    else if (isRecord(block) && block['type'] === 'document' && isRecord(block['document'])) {
      const data = block['document']['data'];
      texts.push(typeof data === 'string' ? data : JSON.stringify(data));
    } else return undefined;
  }
  return texts.join('\n');
}
