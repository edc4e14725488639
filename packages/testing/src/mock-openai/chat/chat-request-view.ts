import { contentText } from '../../mock-server/content-text.js';
import { isRecord } from '../../mock-server/is-record.js';
import { invalidRequestBody, type OpenAIErrorBody } from '../openai-error-body.js';

/** A function tool the client offered. */
export interface ChatTool {
  name: string;
  /** The tool's JSON Schema, as sent. */
  parameters: unknown;
}

/** `tool_choice`, with the named form reduced to the name. */
export type ChatToolChoice = 'none' | 'auto' | 'required' | { name: string };

/** What the default chat responder needs from a Chat Completions request. */
export interface ChatRequestView {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** OpenAI pads stream chunks with `obfuscation` unless `stream_options.include_obfuscation` is false. */
  includeObfuscation: boolean;
  tools: ChatTool[];
  toolChoice: ChatToolChoice;
  parallelToolCalls: boolean;
  /** Text of every message, for the token estimate. */
  messageTexts: string[];
  /** Text of the last `user` message; empty when there is none. */
  lastUserText: string;
  /** When the conversation ends with a tool result, its text: the model answers from it. */
  toolResultText: string | undefined;
}

/** Either the request, or the 400 body OpenAI would answer it with. */
export type ChatRequestReading = { request: ChatRequestView } | { invalid: OpenAIErrorBody };

/** Reads a parsed request body leniently: unknown fields are ignored, as OpenAI's clients expect of a server. */
export function readChatRequest(body: unknown): ChatRequestReading {
  if (!isRecord(body)) return { invalid: invalidRequestBody('We could not parse the JSON body of your request.') };
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') {
    return { invalid: invalidRequestBody('you must provide a model parameter') };
  }
  if (!Array.isArray(messages) || messages.length === 0) {
    return {
      invalid: invalidRequestBody("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter'),
    };
  }
  const records = messages.filter(isRecord);
  const lastUser = records.findLast((message) => message['role'] === 'user');
  const streamOptions = isRecord(body['stream_options']) ? body['stream_options'] : {};
  return {
    request: {
      model,
      stream: body['stream'] === true,
      includeUsage: streamOptions['include_usage'] === true,
      includeObfuscation: streamOptions['include_obfuscation'] !== false,
      tools: readTools(body['tools']),
      toolChoice: readToolChoice(body['tool_choice']),
      parallelToolCalls: body['parallel_tool_calls'] !== false,
      messageTexts: records.map(messageText),
      lastUserText: lastUser ? contentText(lastUser['content']) : '',
      toolResultText: records.at(-1)?.['role'] === 'tool' ? contentText(records.at(-1)!['content']) : undefined,
    },
  };
}

function readTools(tools: unknown): ChatTool[] {
  if (!Array.isArray(tools)) return [];
  const read: ChatTool[] = [];
  for (const tool of tools) {
    if (!isRecord(tool) || !isRecord(tool['function'])) continue;
    const name = tool['function']['name'];
    if (typeof name === 'string') read.push({ name, parameters: tool['function']['parameters'] });
  }
  return read;
}

function readToolChoice(choice: unknown): ChatToolChoice {
  if (choice === 'none' || choice === 'auto' || choice === 'required') return choice;
  if (isRecord(choice) && isRecord(choice['function']) && typeof choice['function']['name'] === 'string') {
    return { name: choice['function']['name'] };
  }
  return 'auto';
}

function messageText(message: Record<string, unknown>): string {
  const texts = [contentText(message['content'])];
  const toolCalls = message['tool_calls'];
  if (Array.isArray(toolCalls)) {
    for (const call of toolCalls) {
      if (!isRecord(call) || !isRecord(call['function'])) continue;
      texts.push(String(call['function']['name'] ?? ''), String(call['function']['arguments'] ?? ''));
    }
  }
  return texts.filter((text) => text !== '').join('\n');
}
