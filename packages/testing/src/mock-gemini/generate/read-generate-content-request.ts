import { isRecord } from '../../mock-server/is-record.js';
import { invalidArgumentBody, type GeminiErrorBody } from '../gemini-error-body.js';
import { checkGeminiSchema } from './check-gemini-schema.js';
import { readField } from './read-field.js';

/** A function the client declared. */
export interface DeclaredFunction {
  name: string;
  /** `parameters` (OpenAPI subset) or `parametersJsonSchema`, as sent. */
  parameters: unknown;
}

/** A function result the client sent in its last turn. */
export interface SentFunctionResponse {
  name: string;
  response: unknown;
}

/** What the default responder needs from a `generateContent` request. */
export interface GenerateContentView {
  /** Text of the system instruction and of every turn, for the token estimate. */
  texts: string[];
  /** Text of the last `user` turn that has text; empty when there is none. */
  lastUserText: string;
  /** The function results of the last turn, when it is a function-response turn. */
  functionResponses: SentFunctionResponse[];
  functions: DeclaredFunction[];
  mode: 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';
  allowedFunctionNames: string[] | undefined;
}

/** Either the request, or the 400 body Gemini would answer it with. */
export type GenerateContentReading = { request: GenerateContentView } | { invalid: GeminiErrorBody };

const requestFields = ['contents', 'tools', 'toolConfig', 'safetySettings', 'systemInstruction', 'generationConfig', 'cachedContent', 'model'];
const generationConfigFields = [
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'enableEnhancedCivicAnswers',
  'speechConfig',
  'thinkingConfig',
  'imageConfig',
  'mediaResolution',
];
const partDataFields = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const modes = ['AUTO', 'ANY', 'NONE', 'VALIDATED', 'MODE_UNSPECIFIED'];

class Refusal extends Error {
  constructor(readonly body: GeminiErrorBody) {
    super(body.error.message);
  }
}

/**
 * Reads a `generateContent` body as strictly as Gemini does: unknown fields, roles
 * other than `user`/`model`, empty contents or parts, function responses that do
 * not answer the model turn before them, and schema keywords outside Gemini's
 * subset are all refused with its 400 `INVALID_ARGUMENT`.
 */
export function readGenerateContentRequest(body: unknown): GenerateContentReading {
  try {
    return { request: read(body) };
  } catch (error) {
    if (error instanceof Refusal) return { invalid: error.body };
    throw error;
  }
}

function read(body: unknown): GenerateContentView {
  if (!isRecord(body)) throw new Refusal(invalidArgumentBody('Invalid JSON payload received. Expected an object.'));
  rejectUnknownFields(body, requestFields, '');

  const texts: string[] = [];
  const system = readField(body, 'systemInstruction');
  if (isRecord(system)) texts.push(partsText(readField(system, 'parts')));

  const contents = body['contents'];
  if (!Array.isArray(contents) || contents.length === 0) {
    throw new Refusal(invalidArgumentBody('* GenerateContentRequest.contents: contents is not specified\n', 'contents'));
  }
  let lastUserText = '';
  let previousCalls: string[] | undefined;
  let functionResponses: SentFunctionResponse[] = [];
  contents.forEach((content, index) => {
    const at = `contents[${index}]`;
    if (!isRecord(content)) throw new Refusal(invalidArgumentBody(`Invalid value at '${at}': expected an object.`, at));
    const role = content['role'] ?? 'user';
    if (role !== 'user' && role !== 'model') throw new Refusal(invalidArgumentBody('Please use a valid role: user, model.', `${at}.role`));
    const parts = content['parts'];
    if (!Array.isArray(parts) || parts.length === 0) {
      throw new Refusal(invalidArgumentBody(`* GenerateContentRequest.${at}.parts: contents.parts must not be empty.\n`, `${at}.parts`));
    }
    parts.forEach((part, partIndex) => checkPart(part, `${at}.parts[${partIndex}]`));

    const calls = parts.flatMap((part) => {
      const call = isRecord(part) ? readField(part, 'functionCall') : undefined;
      return isRecord(call) && typeof call['name'] === 'string' ? [call['name']] : [];
    });
    const responses = parts.flatMap((part): SentFunctionResponse[] => {
      const response = isRecord(part) ? readField(part, 'functionResponse') : undefined;
      return isRecord(response) ? [{ name: String(response['name'] ?? ''), response: response['response'] }] : [];
    });
    if (responses.length > 0) checkResponsesAnswerCalls(responses, previousCalls, at);

    texts.push(partsText(parts));
    const text = parts
      .map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : undefined))
      .filter((value): value is string => value !== undefined)
      .join('\n');
    if (role === 'user' && text !== '') lastUserText = text;
    functionResponses = responses;
    previousCalls = role === 'model' ? calls : undefined;
  });

  const generationConfig = readField(body, 'generationConfig');
  if (generationConfig !== undefined) {
    if (!isRecord(generationConfig)) throw new Refusal(invalidArgumentBody("Invalid value at 'generation_config': expected an object.", 'generation_config'));
    rejectUnknownFields(generationConfig, generationConfigFields, 'generation_config');
  }

  const functions = readFunctions(body['tools']);
  const { mode, allowedFunctionNames } = readToolConfig(readField(body, 'toolConfig'), functions);
  return { texts, lastUserText, functionResponses, functions, mode, allowedFunctionNames };
}

function checkPart(part: unknown, at: string): void {
  if (!isRecord(part)) throw new Refusal(invalidArgumentBody(`Invalid value at '${at}': expected an object.`, at));
  const data = partDataFields.filter((field) => readField(part, field) !== undefined);
  if (data.length !== 1) {
    throw new Refusal(invalidArgumentBody(`* GenerateContentRequest.${at}.data: required oneof field 'data' must have one initialized field\n`, at));
  }
  if (part['text'] === '') {
    throw new Refusal(invalidArgumentBody('Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.', `${at}.text`));
  }
  const response = readField(part, 'functionResponse');
  if (response !== undefined && (!isRecord(response) || !isRecord(response['response']))) {
    throw new Refusal(invalidArgumentBody(`Invalid value at '${at}.function_response.response' (type.googleapis.com/google.protobuf.Struct): expected an object.`, `${at}.function_response.response`));
  }
  const call = readField(part, 'functionCall');
  if (call !== undefined && (!isRecord(call) || (call['args'] !== undefined && !isRecord(call['args'])))) {
    throw new Refusal(invalidArgumentBody(`Invalid value at '${at}.function_call.args' (type.googleapis.com/google.protobuf.Struct): expected an object.`, `${at}.function_call.args`));
  }
}

function checkResponsesAnswerCalls(responses: SentFunctionResponse[], calls: string[] | undefined, at: string): void {
  if (!calls || calls.length === 0) {
    throw new Refusal(invalidArgumentBody('Please ensure that function response turn comes immediately after a function call turn.', at));
  }
  for (const response of responses) {
    if (!calls.includes(response.name)) {
      throw new Refusal(
        invalidArgumentBody(`Function response "${response.name}" does not answer any function call of the model turn before it (${calls.join(', ')}).`, at),
      );
    }
  }
  if (responses.length !== calls.length) {
    throw new Refusal(
      invalidArgumentBody('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.', at),
    );
  }
}

function readFunctions(tools: unknown): DeclaredFunction[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) throw new Refusal(invalidArgumentBody("Invalid value at 'tools': expected a list.", 'tools'));
  const functions: DeclaredFunction[] = [];
  tools.forEach((tool, toolIndex) => {
    if (!isRecord(tool)) return;
    const declarations = readField(tool, 'functionDeclarations');
    if (!Array.isArray(declarations)) return;
    declarations.forEach((declaration, index) => {
      const at = `tools[${toolIndex}].function_declarations[${index}]`;
      if (!isRecord(declaration) || typeof declaration['name'] !== 'string' || declaration['name'] === '') {
        throw new Refusal(invalidArgumentBody(`* GenerateContentRequest.${at}.name: Invalid function name. Must be non-empty.\n`, `${at}.name`));
      }
      const parameters = declaration['parameters'];
      if (parameters !== undefined) {
        const problem = checkGeminiSchema(parameters, `${at}.parameters`, true);
        if (problem) throw new Refusal(invalidArgumentBody(problem.message, problem.field));
      }
      functions.push({ name: declaration['name'], parameters: parameters ?? readField(declaration, 'parametersJsonSchema') });
    });
  });
  return functions;
}

function readToolConfig(toolConfig: unknown, functions: DeclaredFunction[]): Pick<GenerateContentView, 'mode' | 'allowedFunctionNames'> {
  const config = isRecord(toolConfig) ? readField(toolConfig, 'functionCallingConfig') : undefined;
  if (!isRecord(config)) return { mode: 'AUTO', allowedFunctionNames: undefined };
  const mode = config['mode'] ?? 'AUTO';
  if (typeof mode !== 'string' || !modes.includes(mode)) {
    throw new Refusal(
      invalidArgumentBody(
        `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "${String(mode)}"`,
        'tool_config.function_calling_config.mode',
      ),
    );
  }
  const names = readField(config, 'allowedFunctionNames');
  const allowed = Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string') : undefined;
  const unknown = allowed?.find((name) => !functions.some((declared) => declared.name === name));
  if (unknown !== undefined) {
    throw new Refusal(
      invalidArgumentBody(
        `* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: "${unknown}" is not a declared function.\n`,
        'tool_config.function_calling_config.allowed_function_names',
      ),
    );
  }
  return { mode: mode === 'MODE_UNSPECIFIED' ? 'AUTO' : (mode as GenerateContentView['mode']), allowedFunctionNames: allowed };
}

function rejectUnknownFields(object: Record<string, unknown>, known: string[], at: string): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key) || known.includes(toCamelCase(key))) continue;
    const where = at === '' ? '' : ` at '${at}'`;
    const message = `Invalid JSON payload received. Unknown name "${key}"${where}: Cannot find field.`;
    throw new Refusal(invalidArgumentBody(message, at === '' ? key : at));
  }
}

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  return parts
    .filter(isRecord)
    .map((part) => {
      if (typeof part['text'] === 'string') return part['text'];
      const call = readField(part, 'functionCall') ?? readField(part, 'functionResponse');
      return call === undefined ? '' : JSON.stringify(call);
    })
    .filter((text) => text !== '')
    .join('\n');
}

function toCamelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}
