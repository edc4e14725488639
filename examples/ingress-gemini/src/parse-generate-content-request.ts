import {
  checkModelName,
  GatewayError,
  type AssistantContentPart,
  type ChatMessage,
  type ChatRequest,
  type IngressLimits,
  type IngressRequestInfo,
  type ParsedIngressRequest,
  type ToolChoice,
  type ToolDefinition,
  type UserContentPart,
} from '@switchyard/core';
import { OpenCalls } from './open-calls.js';

/** The route name of the streaming endpoint; the other one answers whole. */
export const streamRouteName = 'streamGenerateContent';

type Json = Record<string, unknown>;

const maxTools = 128;
const maxStopSequences = 16;
const toolName = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;

function invalid(field: string, message: string): GatewayError {
  return new GatewayError('invalid_request', `Invalid value for '${field}': ${message}.`, { param: field });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The REST API takes camelCase and snake_case alike (proto JSON); clients send either. */
function field(object: Json, camel: string): unknown {
  if (object[camel] !== undefined) return object[camel];
  return object[camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)];
}

function optionalNumber(object: Json, name: string, path: string, min: number, max: number, integer = false): number | undefined {
  const value = field(object, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw invalid(`${path}.${name}`, `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return value;
}

/** A function's name where a call, a result or a tool config names one: a declaration's pattern, so never a long echo. */
function functionName(value: unknown, path: string): string {
  if (typeof value !== 'string' || !toolName.test(value)) throw invalid(path, 'expected a function name (letters, digits, _ . : -; at most 128)');
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(path, 'expected a string');
  return value;
}

/** The model from the URL (`/v1beta/models/{model}:generateContent`); `models/` in front is Google's resource name form. */
function modelOf(request: IngressRequestInfo | undefined, limits: IngressLimits): string {
  const raw = request?.params['model'];
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new GatewayError('invalid_request', 'The model is named in the URL: /v1beta/models/{model}:generateContent.', { param: 'model' });
  }
  const model = raw.startsWith('models/') ? raw.slice('models/'.length) : raw;
  checkModelName(model, limits.maxModelNameLength);
  return model;
}

/** Whether the call streams: the streaming route, which this gateway serves as SSE only (`alt=sse`). */
function streamOf(request: IngressRequestInfo | undefined): boolean {
  if (request?.route !== streamRouteName) return false;
  if (request.query['alt'] !== 'sse') {
    throw new GatewayError('invalid_request', "streamGenerateContent is served as Server-Sent Events only: add '?alt=sse' (Google's SDKs do).", { param: 'alt' });
  }
  return true;
}

function systemOf(body: Json): ChatMessage[] {
  const instruction = field(body, 'systemInstruction');
  if (instruction === undefined || instruction === null) return [];
  if (!isObject(instruction) || !Array.isArray(instruction['parts'])) throw invalid('systemInstruction', 'expected { parts: [{ text }] }');
  const texts = instruction['parts'].map((part, index) => {
    if (!isObject(part) || typeof part['text'] !== 'string') throw invalid(`systemInstruction.parts[${index}]`, 'a system instruction is text parts only');
    return part['text'];
  });
  return texts.length > 0 ? [{ role: 'system', content: texts.join('\n') }] : [];
}

/**
 * Gemini matches a function's result to its call by name and order, not always by
 * id: a call without an id gets one from its turn and position, and the next results
 * of that name take the oldest unanswered call's id.
 */
class CallIds {
  private readonly open = new Map<string, OpenCalls>();
  private counter = 0;

  call(name: string, id: unknown): string {
    const callId = typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : `call_${++this.counter}`;
    let calls = this.open.get(name);
    if (calls === undefined) this.open.set(name, (calls = new OpenCalls()));
    calls.add(callId);
    return callId;
  }

  result(name: string, id: unknown): string {
    const calls = this.open.get(name);
    if (typeof id === 'string' && id.length > 0 && id.length <= 128) {
      calls?.answer(id);
      return id;
    }
    const oldest = calls?.takeOldest();
    if (oldest === undefined) throw invalid('contents', `a functionResponse for '${name}' answers no earlier functionCall`);
    return oldest;
  }
}

function userTurn(parts: unknown[], path: string, ids: CallIds): ChatMessage[] {
  const content: UserContentPart[] = [];
  const results: ChatMessage[] = [];
  parts.forEach((part, index) => {
    const at = `${path}.parts[${index}]`;
    if (!isObject(part)) throw invalid(at, 'expected an object');
    const inline = field(part, 'inlineData');
    const file = field(part, 'fileData');
    const response = field(part, 'functionResponse');
    if (typeof part['text'] === 'string') content.push({ type: 'text', text: part['text'] });
    else if (isObject(inline)) {
      const mediaType = text(field(inline, 'mimeType'), `${at}.inlineData.mimeType`);
      if (!mediaType.startsWith('image/')) throw invalid(`${at}.inlineData.mimeType`, 'only images are accepted inline');
      content.push({ type: 'image', source: { kind: 'base64', mediaType, data: text(inline['data'], `${at}.inlineData.data`) } });
    } else if (isObject(file)) {
      const uri = text(field(file, 'fileUri'), `${at}.fileData.fileUri`);
      if (!/^https?:\/\//.test(uri)) throw invalid(`${at}.fileData.fileUri`, 'only http(s) image URLs are accepted');
      content.push({ type: 'image', source: { kind: 'url', url: uri } });
    } else if (isObject(response)) {
      const name = functionName(response['name'], `${at}.functionResponse.name`);
      if (!isObject(response['response'])) throw invalid(`${at}.functionResponse.response`, 'expected an object');
      results.push({ role: 'tool', toolCallId: ids.result(name, response['id']), content: JSON.stringify(response['response']) });
    } else {
      throw invalid(at, 'expected text, inlineData, fileData or functionResponse');
    }
  });
  // Results answer the model's calls, so they come first; any text after them is the user's next words.
  return content.length > 0 ? [...results, { role: 'user', content }] : results;
}

function modelTurn(parts: unknown[], path: string, ids: CallIds): ChatMessage {
  const content: AssistantContentPart[] = parts.map((part, index): AssistantContentPart => {
    const at = `${path}.parts[${index}]`;
    if (!isObject(part)) throw invalid(at, 'expected an object');
    const call = field(part, 'functionCall');
    if (typeof part['text'] === 'string') {
      return part['thought'] === true ? { type: 'reasoning', text: part['text'] } : { type: 'text', text: part['text'] };
    }
    if (isObject(call)) {
      const name = functionName(call['name'], `${at}.functionCall.name`);
      const args = call['args'] ?? {};
      if (!isObject(args)) throw invalid(`${at}.functionCall.args`, 'expected an object');
      return { type: 'tool-call', id: ids.call(name, call['id']), name, arguments: JSON.stringify(args) };
    }
    throw invalid(at, 'a model turn holds text or functionCall parts');
  });
  return { role: 'assistant', content };
}

function messagesOf(body: Json, limits: IngressLimits): ChatMessage[] {
  const contents = body['contents'];
  if (!Array.isArray(contents) || contents.length === 0) throw invalid('contents', 'expected a non-empty array of turns');
  if (contents.length > limits.maxMessages) throw invalid('contents', `more than ${limits.maxMessages} turns (limits.max_messages)`);
  const ids = new CallIds();
  const messages: ChatMessage[] = [];
  contents.forEach((turn, index) => {
    const at = `contents[${index}]`;
    if (!isObject(turn) || !Array.isArray(turn['parts']) || turn['parts'].length === 0) throw invalid(at, 'expected { role, parts: [...] } with at least one part');
    const role = turn['role'] ?? 'user';
    if (role === 'user') messages.push(...userTurn(turn['parts'], at, ids));
    else if (role === 'model') messages.push(modelTurn(turn['parts'], at, ids));
    else throw invalid(`${at}.role`, "expected 'user' or 'model'");
  });
  return messages;
}

function toolsOf(body: Json): ToolDefinition[] | undefined {
  const tools = body['tools'];
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalid('tools', 'expected an array');
  const definitions: ToolDefinition[] = [];
  tools.forEach((tool, index) => {
    const declarations = isObject(tool) ? field(tool, 'functionDeclarations') : undefined;
    if (!Array.isArray(declarations)) throw invalid(`tools[${index}]`, 'only functionDeclarations are supported (no googleSearch or codeExecution through this gateway)');
    declarations.forEach((declaration, at) => {
      const path = `tools[${index}].functionDeclarations[${at}]`;
      if (!isObject(declaration) || typeof declaration['name'] !== 'string' || !toolName.test(declaration['name'])) {
        throw invalid(`${path}.name`, 'expected a function name (letters, digits, _ . : -; at most 128)');
      }
      const parameters = field(declaration, 'parametersJsonSchema') ?? declaration['parameters'] ?? { type: 'object', properties: {} };
      if (!isObject(parameters)) throw invalid(`${path}.parameters`, 'expected a schema object');
      const description = declaration['description'];
      if (description !== undefined && typeof description !== 'string') throw invalid(`${path}.description`, 'expected a string');
      definitions.push({ name: declaration['name'], parameters, ...(description !== undefined && { description }) });
    });
  });
  if (definitions.length > maxTools) throw invalid('tools', `more than ${maxTools} functions`);
  return definitions.length > 0 ? definitions : undefined;
}

/** `allowedFunctionNames`: names of declared functions only, as Gemini itself requires. */
function allowedNamesOf(value: unknown, tools: readonly ToolDefinition[] | undefined): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const path = 'toolConfig.functionCallingConfig.allowedFunctionNames';
  if (!Array.isArray(value) || value.length > maxTools) throw invalid(path, `expected at most ${maxTools} function names`);
  return value.map((name, index) => {
    const checked = functionName(name, `${path}[${index}]`);
    if (!tools?.some((tool) => tool.name === checked)) throw invalid(`${path}[${index}]`, `no function named '${checked}' is declared in 'tools'`);
    return checked;
  });
}

function toolChoiceOf(body: Json, tools: readonly ToolDefinition[] | undefined): ToolChoice | undefined {
  const config = field(body, 'toolConfig');
  if (config === undefined || config === null) return undefined;
  const calling = isObject(config) ? field(config, 'functionCallingConfig') : undefined;
  if (!isObject(calling)) throw invalid('toolConfig', 'expected { functionCallingConfig: { mode } }');
  const allowed = allowedNamesOf(field(calling, 'allowedFunctionNames'), tools);
  switch (calling['mode']) {
    case undefined:
    case 'AUTO':
    // VALIDATED: calls or text, calls checked against their schema — the closest is auto.
    case 'VALIDATED':
      return { type: 'auto' };
    case 'NONE':
      return { type: 'none' };
    case 'ANY':
      if (allowed?.length === 1) return { type: 'tool', name: allowed[0]! };
      return { type: 'required' };
    default:
      throw invalid('toolConfig.functionCallingConfig.mode', "expected 'AUTO', 'ANY', 'NONE' or 'VALIDATED'");
  }
}

/** `thinkingBudget` tokens as a reasoning effort: 0 is none, -1 (dynamic) leaves it to the model. */
function effortOf(budget: number | undefined): ChatRequest['reasoningEffort'] {
  if (budget === undefined || budget < 0) return undefined;
  if (budget === 0) return 'none';
  if (budget <= 1024) return 'low';
  if (budget <= 8192) return 'medium';
  return 'high';
}

function generationOf(body: Json): Partial<ChatRequest> {
  const config = field(body, 'generationConfig');
  if (config === undefined || config === null) return {};
  if (!isObject(config)) throw invalid('generationConfig', 'expected an object');
  const path = 'generationConfig';
  const request: Partial<ChatRequest> = {};
  const set = <K extends keyof ChatRequest>(key: K, value: ChatRequest[K] | undefined) => {
    if (value !== undefined) request[key] = value;
  };
  set('temperature', optionalNumber(config, 'temperature', path, 0, 2));
  set('topP', optionalNumber(config, 'topP', path, 0, 1));
  set('maxOutputTokens', optionalNumber(config, 'maxOutputTokens', path, 1, 1_000_000, true));
  // The answer carries one candidate: more would be paid for upstream and dropped here.
  const candidates = optionalNumber(config, 'candidateCount', path, 1, 8, true);
  if (candidates !== undefined && candidates > 1) throw invalid(`${path}.candidateCount`, 'this gateway answers with one candidate; expected 1');
  set('candidateCount', candidates);
  set('seed', optionalNumber(config, 'seed', path, -(2 ** 31), 2 ** 31 - 1, true));
  set('presencePenalty', optionalNumber(config, 'presencePenalty', path, -2, 2));
  set('frequencyPenalty', optionalNumber(config, 'frequencyPenalty', path, -2, 2));
  const stops = field(config, 'stopSequences');
  if (stops !== undefined) {
    if (!Array.isArray(stops) || stops.length > maxStopSequences || !stops.every((stop) => typeof stop === 'string' && stop.length > 0 && stop.length <= 256)) {
      throw invalid(`${path}.stopSequences`, `expected at most ${maxStopSequences} strings of 1–256 characters`);
    }
    request.stopSequences = stops as string[];
  }
  const mime = field(config, 'responseMimeType');
  const schema = field(config, 'responseJsonSchema') ?? field(config, 'responseSchema');
  if (mime !== undefined && mime !== 'application/json' && mime !== 'text/plain') throw invalid(`${path}.responseMimeType`, "expected 'application/json' or 'text/plain'");
  if (schema !== undefined && !isObject(schema)) throw invalid(`${path}.responseJsonSchema`, 'expected a schema object');
  if (mime === 'application/json') request.responseFormat = isObject(schema) ? { type: 'json-schema', name: 'response', schema } : { type: 'json' };
  const thinking = field(config, 'thinkingConfig');
  if (thinking !== undefined && thinking !== null) {
    if (!isObject(thinking)) throw invalid(`${path}.thinkingConfig`, 'expected an object');
    set('reasoningEffort', effortOf(optionalNumber(thinking, 'thinkingBudget', `${path}.thinkingConfig`, -1, 1_000_000, true)));
  }
  // topK has no canonical twin: kept for a Gemini upstream, ignored by the others.
  const topK = optionalNumber(config, 'topK', path, 1, 1000, true);
  if (topK !== undefined) request.providerOptions = { gemini: { topK } };
  return request;
}

/**
 * A Gemini `generateContent` call as the canonical chat request: the model and
 * whether to stream come from the URL, everything else from the body. Every number
 * is finite and in range, every list bounded; anything this gateway cannot carry is
 * refused with a 400 naming the field, never dropped silently.
 *
 * @throws {GatewayError} `invalid_request` (400).
 */
export function parseGenerateContentRequest(body: unknown, limits: IngressLimits, request?: IngressRequestInfo): ParsedIngressRequest {
  if (!isObject(body)) throw new GatewayError('invalid_request', 'The request body must be a JSON object (a GenerateContentRequest).');
  const model = modelOf(request, limits);
  const stream = streamOf(request);
  const messages = [...systemOf(body), ...messagesOf(body, limits)];
  const tools = toolsOf(body);
  const toolChoice = toolChoiceOf(body, tools);
  const chat: ChatRequest = { model, messages, stream, ...generationOf(body) };
  if (tools) chat.tools = tools;
  if (toolChoice) chat.toolChoice = toolChoice;
  // Gemini streams always carry usageMetadata; its clients expect it.
  return { request: chat, includeStreamUsage: true };
}
