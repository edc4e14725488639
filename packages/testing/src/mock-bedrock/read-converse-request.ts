import { isRecord } from '../mock-server/is-record.js';

/** A tool the request offers. */
export interface ConverseTool {
  name: string;
  inputSchema: unknown;
}

/** What the mock needs of a valid Converse request. */
export interface ConverseRequestView {
  /** Texts of the system blocks and of every text block, for the token estimate. */
  promptTexts: string[];
  /** Text of the last user turn's text blocks. */
  lastUserText: string;
  /** Texts of the tool results in the last user turn. */
  toolResults: string[];
  tools: ConverseTool[];
  toolChoice: { type: 'auto' | 'any' | 'tool' | 'none'; name?: string };
  stopSequences: string[];
  maxTokens: number | undefined;
}

const blockKinds = new Set(['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardContent', 'reasoningContent', 'cachePoint']);
const imageFormats = new Set(['png', 'jpeg', 'gif', 'webp']);

/**
 * Reads a Converse body as strictly as Bedrock does where a gateway can go wrong:
 * only `user`/`assistant` roles, alternating and starting with a user turn; each
 * content block a union with exactly one known key; images as base64 bytes;
 * every `toolResult` answering a `toolUse` of the assistant turn right before it,
 * and a `toolConfig` whenever the history holds tool blocks. The message is what
 * the 400 `ValidationException` says.
 */
export function readConverseRequest(body: unknown): { request: ConverseRequestView } | { invalid: string } {
  if (!isRecord(body)) return { invalid: 'The request body is not a JSON object.' };
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return { invalid: 'A conversation must start with a user message. Try again with a conversation that starts with a user message.' };
  const promptTexts: string[] = [];
  const system = body['system'];
  if (system !== undefined) {
    if (!Array.isArray(system)) return { invalid: "1 validation error detected: Value at 'system' failed to satisfy constraint: Member must be a list" };
    for (const block of system) if (isRecord(block) && typeof block['text'] === 'string') promptTexts.push(block['text']);
  }

  let previousRole: string | undefined;
  let previousToolUseIds = new Set<string>();
  let usesTools = false;
  let lastUserText = '';
  let toolResults: string[] = [];
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message)) return { invalid: `messages.${index} is not an object.` };
    const role = message['role'];
    if (role !== 'user' && role !== 'assistant') {
      return { invalid: `1 validation error detected: Value '${String(role)}' at 'messages.${index + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]` };
    }
    if (index === 0 && role !== 'user') return { invalid: 'A conversation must start with a user message. Try again with a conversation that starts with a user message.' };
    if (role === previousRole) return { invalid: 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.' };
    const content = message['content'];
    if (!Array.isArray(content) || content.length === 0) return { invalid: `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.` };

    const toolUseIds = new Set<string>();
    const texts: string[] = [];
    const results: string[] = [];
    for (const block of content) {
      if (!isRecord(block)) return { invalid: `messages.${index}.content holds a block that is not an object.` };
      const keys = Object.keys(block);
      if (keys.length !== 1 || !blockKinds.has(keys[0]!)) {
        return { invalid: `A ContentBlock in messages.${index} must set exactly one of ${[...blockKinds].join(', ')}; it has: ${keys.join(', ')}.` };
      }
      const problem = checkBlock(block, role, index, previousToolUseIds, texts, results, toolUseIds);
      if (problem) return { invalid: problem };
      if ('toolUse' in block || 'toolResult' in block) usesTools = true;
    }
    promptTexts.push(...texts, ...results);
    if (role === 'user') {
      lastUserText = texts.join('\n');
      toolResults = results;
    }
    previousRole = role;
    previousToolUseIds = toolUseIds;
  }

  const toolConfig = body['toolConfig'];
  if (usesTools && !isRecord(toolConfig)) {
    return { invalid: 'The toolConfig field must be defined when using toolUse and toolResult content blocks.' };
  }
  const tools = readTools(toolConfig);
  if (typeof tools === 'string') return { invalid: tools };
  const toolChoice = readToolChoice(toolConfig, tools);
  if (typeof toolChoice === 'string') return { invalid: toolChoice };

  const inference = isRecord(body['inferenceConfig']) ? body['inferenceConfig'] : {};
  const stopSequences = Array.isArray(inference['stopSequences']) ? inference['stopSequences'].filter((s): s is string => typeof s === 'string') : [];
  const maxTokens = typeof inference['maxTokens'] === 'number' ? inference['maxTokens'] : undefined;
  return { request: { promptTexts, lastUserText, toolResults, tools, toolChoice, stopSequences, maxTokens } };
}

function checkBlock(
  block: Record<string, unknown>,
  role: 'user' | 'assistant',
  index: number,
  previousToolUseIds: Set<string>,
  texts: string[],
  results: string[],
  toolUseIds: Set<string>,
): string | undefined {
  if ('text' in block) {
    if (typeof block['text'] !== 'string') return `messages.${index}: text must be a string.`;
    texts.push(block['text']);
  } else if ('image' in block) {
    const image = block['image'];
    const source = isRecord(image) ? image['source'] : undefined;
    if (!isRecord(image) || !imageFormats.has(String(image['format'])) || !isRecord(source) || typeof source['bytes'] !== 'string') {
      return `messages.${index}: an image needs a format (png, jpeg, gif, webp) and source.bytes.`;
    }
    if (!/^[A-Za-z0-9+/]+=*$/.test(source['bytes'])) return `messages.${index}: image bytes are not valid base64.`;
  } else if ('toolUse' in block) {
    const toolUse = block['toolUse'];
    if (role !== 'assistant') return `messages.${index}: toolUse blocks belong to assistant turns.`;
    if (!isRecord(toolUse) || typeof toolUse['toolUseId'] !== 'string' || typeof toolUse['name'] !== 'string' || !isRecord(toolUse['input'])) {
      return `messages.${index}: toolUse needs toolUseId, name and an input object.`;
    }
    toolUseIds.add(toolUse['toolUseId']);
  } else if ('toolResult' in block) {
    const toolResult = block['toolResult'];
    if (role !== 'user') return `messages.${index}: toolResult blocks belong to user turns.`;
    if (!isRecord(toolResult) || typeof toolResult['toolUseId'] !== 'string' || !Array.isArray(toolResult['content'])) {
      return `messages.${index}: toolResult needs toolUseId and content.`;
    }
    if (!previousToolUseIds.has(toolResult['toolUseId'])) {
      return `messages.${index}: the toolResult ${toolResult['toolUseId']} does not answer a toolUse of the previous assistant turn.`;
    }
    for (const part of toolResult['content']) {
      if (isRecord(part) && typeof part['text'] === 'string') results.push(part['text']);
      else if (isRecord(part) && 'json' in part) results.push(JSON.stringify(part['json']));
      else return `messages.${index}: toolResult content blocks are json, text, image or document.`;
    }
  }
  return undefined;
}

function readTools(toolConfig: unknown): ConverseTool[] | string {
  if (toolConfig === undefined) return [];
  if (!isRecord(toolConfig) || !Array.isArray(toolConfig['tools']) || toolConfig['tools'].length === 0) {
    return "1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1";
  }
  const tools: ConverseTool[] = [];
  for (const tool of toolConfig['tools']) {
    const spec = isRecord(tool) ? tool['toolSpec'] : undefined;
    const schema = isRecord(spec) && isRecord(spec['inputSchema']) ? spec['inputSchema']['json'] : undefined;
    if (!isRecord(spec) || typeof spec['name'] !== 'string' || !isRecord(schema)) return 'Each tool needs toolSpec.name and toolSpec.inputSchema.json.';
    tools.push({ name: spec['name'], inputSchema: schema });
  }
  return tools;
}

function readToolChoice(toolConfig: unknown, tools: ConverseTool[]): ConverseRequestView['toolChoice'] | string {
  const choice = isRecord(toolConfig) ? toolConfig['toolChoice'] : undefined;
  if (choice === undefined) return { type: tools.length > 0 ? 'auto' : 'none' };
  if (!isRecord(choice) || Object.keys(choice).length !== 1) return 'toolChoice must set exactly one of auto, any, tool.';
  if ('auto' in choice) return { type: 'auto' };
  if ('any' in choice) return { type: 'any' };
  const tool = choice['tool'];
  if (isRecord(tool) && typeof tool['name'] === 'string') {
    if (!tools.some((candidate) => candidate.name === tool['name'])) return `toolChoice names ${tool['name']}, which is not among the tools.`;
    return { type: 'tool', name: tool['name'] };
  }
  return 'toolChoice must set exactly one of auto, any, tool.';
}
