import { contentText } from '../../mock-server/content-text.js';
import { isRecord } from '../../mock-server/is-record.js';

/** A client tool the request offered. */
export interface MessagesTool {
  name: string;
  /** The tool's `input_schema`, as sent. */
  inputSchema: unknown;
}

/** `tool_choice`, reduced to what the default responder needs. */
export interface MessagesToolChoice {
  type: 'auto' | 'any' | 'tool' | 'none';
  name?: string;
  disableParallelToolUse: boolean;
}

/** What the default responder needs from a Messages API request. */
export interface MessagesRequestView {
  model: string;
  stream: boolean;
  maxTokens: number;
  tools: MessagesTool[];
  toolChoice: MessagesToolChoice;
  stopSequences: string[];
  /** The JSON schema of `output_config.format` (or the beta `output_format`), when structured output was asked for. */
  outputSchema: unknown;
  /** Text of the system prompt and of every message, for the token estimate. */
  promptTexts: string[];
  /** The last text block of the last user turn that has one; empty when there is none. */
  lastUserText: string;
  /** Contents of the `tool_result` blocks of the final user turn, as text. */
  toolResults: string[];
}

/** Either the request, or the message of the 400 `invalid_request_error` Anthropic would answer. */
export type MessagesRequestReading = { request: MessagesRequestView } | { invalid: string };

const userBlockTypes = new Set(['text', 'image', 'document', 'tool_result', 'search_result']);
const assistantBlockTypes = new Set(['text', 'tool_use', 'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result']);
const imageMediaTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

interface Turn {
  role: 'user' | 'assistant';
  /** Index of the turn's first message, for error paths. */
  firstIndex: number;
  blocks: Array<{ block: Record<string, unknown>; path: string }>;
}

/**
 * Checks a request as strictly as the real API on the points a gateway can get
 * wrong: required `model` and `max_tokens`, only `user`/`assistant` roles (the system
 * prompt is top-level), known block types, non-empty text, image sources, and tool
 * results answering the `tool_use` blocks of the turn right before. Consecutive
 * turns of one role are merged first, as the API does.
 */
export function readMessagesRequest(body: unknown): MessagesRequestReading {
  if (!isRecord(body)) return { invalid: 'The request body is not valid JSON.' };
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') return { invalid: 'model: Field required' };
  if (body['max_tokens'] === undefined) return { invalid: 'max_tokens: Field required' };
  const maxTokens = body['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    return { invalid: 'max_tokens: Input should be a valid integer greater than or equal to 1' };
  }
  if (body['stream'] !== undefined && typeof body['stream'] !== 'boolean') return { invalid: 'stream: Input should be a valid boolean' };
  const temperature = body['temperature'];
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 1)) {
    return { invalid: 'temperature: Input should be less than or equal to 1' };
  }
  const system = readSystem(body['system']);
  if ('invalid' in system) return system;
  if (!Array.isArray(messages)) return { invalid: 'messages: Field required' };
  if (messages.length === 0) return { invalid: 'messages: at least one message is required' };

  const turns: Turn[] = [];
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message)) return { invalid: `messages.${index}: Input should be a valid dictionary` };
    const role = message['role'];
    if (role === 'system') {
      return {
        invalid: `messages.${index}.role: Unexpected role "system". The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`,
      };
    }
    if (role !== 'user' && role !== 'assistant') return { invalid: `messages.${index}.role: Input should be 'user' or 'assistant'` };
    const blocks = readBlocks(message['content'], role, index);
    if ('invalid' in blocks) return blocks;
    const last = turns.at(-1);
    if (last?.role === role) last.blocks.push(...blocks.blocks);
    else turns.push({ role, firstIndex: index, blocks: blocks.blocks });
  }
  const pairing = checkToolPairing(turns);
  if (pairing) return { invalid: pairing };

  const tools = readTools(body['tools']);
  if ('invalid' in tools) return tools;
  const finalTurn = turns.at(-1);
  return {
    request: {
      model,
      stream: body['stream'] === true,
      maxTokens,
      tools: tools.tools,
      toolChoice: readToolChoice(body['tool_choice']),
      stopSequences: Array.isArray(body['stop_sequences']) ? body['stop_sequences'].filter((item): item is string => typeof item === 'string') : [],
      outputSchema: readOutputSchema(body),
      promptTexts: [...system.texts, ...turns.map(turnText).filter((text) => text !== '')],
      lastUserText: lastUserText(turns),
      toolResults:
        finalTurn?.role === 'user'
          ? finalTurn.blocks.filter(({ block }) => block['type'] === 'tool_result').map(({ block }) => contentText(block['content']))
          : [],
    },
  };
}

function readSystem(system: unknown): { texts: string[] } | { invalid: string } {
  if (system === undefined) return { texts: [] };
  if (typeof system === 'string') return { texts: [system] };
  if (!Array.isArray(system)) return { invalid: 'system: Input should be a valid string or a list of text blocks' };
  const texts: string[] = [];
  for (const [index, block] of system.entries()) {
    if (!isRecord(block) || block['type'] !== 'text' || typeof block['text'] !== 'string') {
      return { invalid: `system.${index}: Input should be a text block` };
    }
    const cacheProblem = checkCacheControl(block['cache_control'], `system.${index}`);
    if (cacheProblem) return { invalid: cacheProblem };
    texts.push(block['text']);
  }
  return { texts };
}

function readBlocks(
  content: unknown,
  role: 'user' | 'assistant',
  index: number,
): { blocks: Turn['blocks'] } | { invalid: string } {
  if (typeof content === 'string') {
    // An empty string is allowed only as the final assistant prefill; a gateway never needs it.
    if (content === '') return { invalid: `messages.${index}.content: text content blocks must be non-empty` };
    return { blocks: [{ block: { type: 'text', text: content }, path: `messages.${index}.content` }] };
  }
  if (!Array.isArray(content)) return { invalid: `messages.${index}.content: Input should be a valid string or list` };
  if (content.length === 0) return { invalid: `messages.${index}: all messages must have non-empty content` };
  const allowed = role === 'user' ? userBlockTypes : assistantBlockTypes;
  const blocks: Turn['blocks'] = [];
  for (const [blockIndex, block] of content.entries()) {
    const path = `messages.${index}.content.${blockIndex}`;
    if (!isRecord(block) || typeof block['type'] !== 'string') return { invalid: `${path}: Input should be a valid content block` };
    const type = block['type'];
    if (!allowed.has(type)) return { invalid: `${path}.type: '${type}' blocks are not allowed in a ${role} message` };
    const problem = checkBlock(block, path);
    if (problem) return { invalid: problem };
    blocks.push({ block, path });
  }
  return { blocks };
}

function checkBlock(block: Record<string, unknown>, path: string): string | undefined {
  const cacheProblem = checkCacheControl(block['cache_control'], path);
  if (cacheProblem) return cacheProblem;
  switch (block['type']) {
    case 'text':
      if (typeof block['text'] !== 'string') return `${path}.text: Field required`;
      if (block['text'] === '') return `${path}.text: text content blocks must be non-empty`;
      return undefined;
    case 'image': {
      const source = block['source'];
      if (!isRecord(source)) return `${path}.source: Field required`;
      if (source['type'] === 'base64') {
        if (typeof source['media_type'] !== 'string' || !imageMediaTypes.has(source['media_type'])) {
          return `${path}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
        }
        if (typeof source['data'] !== 'string' || source['data'] === '') return `${path}.source.base64.data: Field required`;
        return undefined;
      }
      if (source['type'] === 'url') {
        return typeof source['url'] === 'string' && source['url'] !== '' ? undefined : `${path}.source.url.url: Field required`;
      }
      return `${path}.source.type: Input should be 'base64' or 'url'`;
    }
    case 'tool_use':
      if (typeof block['id'] !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(block['id'])) {
        return `${path}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      }
      if (typeof block['name'] !== 'string') return `${path}.tool_use.name: Field required`;
      if (!isRecord(block['input'])) return `${path}.tool_use.input: Input should be a valid dictionary`;
      return undefined;
    case 'tool_result':
      if (typeof block['tool_use_id'] !== 'string') return `${path}.tool_result.tool_use_id: Field required`;
      return undefined;
    case 'thinking':
      // A thinking block sent back must carry the signature it came with, untouched.
      if (typeof block['signature'] !== 'string' || block['signature'] === '') return `${path}.thinking.signature: Field required`;
      if (typeof block['thinking'] !== 'string') return `${path}.thinking.thinking: Field required`;
      return undefined;
    case 'redacted_thinking':
      if (typeof block['data'] !== 'string' || block['data'] === '') return `${path}.redacted_thinking.data: Field required`;
      return undefined;
    default:
      return undefined;
  }
}

/** `cache_control`, where present: `{ type: 'ephemeral' }` with an optional `ttl` of `5m` or `1h`, as the API takes it. */
function checkCacheControl(cacheControl: unknown, path: string): string | undefined {
  if (cacheControl === undefined || cacheControl === null) return undefined;
  if (!isRecord(cacheControl) || cacheControl['type'] !== 'ephemeral') return `${path}.cache_control.type: Input should be 'ephemeral'`;
  const ttl = cacheControl['ttl'];
  if (ttl !== undefined && ttl !== '5m' && ttl !== '1h') return `${path}.cache_control.ttl: Input should be '5m' or '1h'`;
  return undefined;
}

// Every tool_result answers a tool_use of the turn right before, and every tool_use is answered in the turn right after.
function checkToolPairing(turns: Turn[]): string | undefined {
  const toolUseIds = (turn: Turn | undefined) =>
    turn?.role === 'assistant' ? turn.blocks.filter(({ block }) => block['type'] === 'tool_use').map(({ block }) => String(block['id'])) : [];
  const toolResultIds = (turn: Turn | undefined) =>
    turn?.role === 'user' ? turn.blocks.filter(({ block }) => block['type'] === 'tool_result').map(({ block }) => String(block['tool_use_id'])) : [];

  for (const [turnIndex, turn] of turns.entries()) {
    if (turn.role !== 'user') continue;
    const offered = new Set(toolUseIds(turns[turnIndex - 1]));
    for (const { block, path } of turn.blocks) {
      if (block['type'] !== 'tool_result' || offered.has(String(block['tool_use_id']))) continue;
      return `${path}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block['tool_use_id'])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
  }
  for (const [turnIndex, turn] of turns.entries()) {
    const next = turns[turnIndex + 1];
    if (!next) continue;
    const answered = new Set(toolResultIds(next));
    const missing = toolUseIds(turn).filter((id) => !answered.has(id));
    if (missing.length > 0) {
      return `messages.${next.firstIndex}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return undefined;
}

function readTools(tools: unknown): { tools: MessagesTool[] } | { invalid: string } {
  if (tools === undefined) return { tools: [] };
  if (!Array.isArray(tools)) return { invalid: 'tools: Input should be a valid list' };
  const read: MessagesTool[] = [];
  for (const [index, tool] of tools.entries()) {
    if (!isRecord(tool) || typeof tool['name'] !== 'string') return { invalid: `tools.${index}.name: Field required` };
    const cacheProblem = checkCacheControl(tool['cache_control'], `tools.${index}`);
    if (cacheProblem) return { invalid: cacheProblem };
    // Server tools (web search …) carry a `type` and no schema.
    if (tool['type'] === undefined || tool['type'] === 'custom') {
      if (!isRecord(tool['input_schema'])) return { invalid: `tools.${index}.custom.input_schema: Field required` };
    }
    read.push({ name: tool['name'], inputSchema: tool['input_schema'] });
  }
  return { tools: read };
}

function readToolChoice(choice: unknown): MessagesToolChoice {
  if (!isRecord(choice)) return { type: 'auto', disableParallelToolUse: false };
  const type = choice['type'] === 'any' || choice['type'] === 'tool' || choice['type'] === 'none' ? choice['type'] : 'auto';
  return {
    type,
    ...(typeof choice['name'] === 'string' && { name: choice['name'] }),
    disableParallelToolUse: choice['disable_parallel_tool_use'] === true,
  };
}

function readOutputSchema(body: Record<string, unknown>): unknown {
  const config = body['output_config'];
  const format = isRecord(config) ? config['format'] : body['output_format'];
  return isRecord(format) && format['type'] === 'json_schema' ? format['schema'] : undefined;
}

function lastUserText(turns: Turn[]): string {
  for (const turn of turns.toReversed()) {
    if (turn.role !== 'user') continue;
    const text = turn.blocks.findLast(({ block }) => block['type'] === 'text');
    if (text) return String(text.block['text']);
  }
  return '';
}

function turnText(turn: Turn): string {
  return turn.blocks
    .map(({ block }) => {
      if (block['type'] === 'text') return String(block['text']);
      if (block['type'] === 'tool_use') return `${String(block['name'])}${JSON.stringify(block['input'])}`;
      if (block['type'] === 'tool_result') return contentText(block['content']);
      return '';
    })
    .filter((text) => text !== '')
    .join('\n');
}
