import { isRecord } from '../mock-server/is-record.js';

/** Top-level fields Mistral's chat endpoint accepts (client-ts `ChatCompletionRequest`). */
const knownChatFields = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'response_format',
  'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls',
  'safe_prompt', 'prompt_mode', 'metadata',
]);

const toolCallIdPattern = /^[A-Za-z0-9]{9}$/;

/** A refusal: its status and Mistral's body. */
export interface MistralRefusal {
  status: number;
  body: unknown;
}

/**
 * Checks a chat body as strictly as Mistral: unknown fields (`stream_options`,
 * `seed`, `max_completion_tokens`, `user` …) get a FastAPI-style 422, a tool-call id
 * that is not 9 alphanumerics a 400, and so does a tool result answering no earlier
 * tool call, and a last message from the assistant without `prefix: true` (mistral-common's
 * "Expected last role User or Tool (or Assistant with prefix True)"; other wordings are
 * unconfirmed; the envelopes are the fixture's).
 */
export function checkMistralChatRequest(body: unknown): MistralRefusal | undefined {
  if (!isRecord(body)) return validation([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary', input: body }]);
  const extra = Object.keys(body).filter((field) => !knownChatFields.has(field));
  if (extra.length > 0) {
    return validation(extra.map((field) => ({ type: 'extra_forbidden', loc: ['body', field], msg: 'Extra inputs are not permitted', input: body[field] })));
  }
  if (!Array.isArray(body['messages'])) return validation([{ type: 'missing', loc: ['body', 'messages'], msg: 'Field required', input: body }]);
  const toolChoice = body['tool_choice'];
  if (toolChoice !== undefined && !['auto', 'none', 'any', 'required'].includes(String(toolChoice)) && !isRecord(toolChoice)) {
    return validation([{ type: 'enum', loc: ['body', 'tool_choice'], msg: "Input should be 'auto', 'none', 'any' or 'required'", input: toolChoice }]);
  }
  const seen = new Set<string>();
  for (const message of body['messages'].filter(isRecord)) {
    for (const call of Array.isArray(message['tool_calls']) ? message['tool_calls'] : []) {
      const id = isRecord(call) ? String(call['id']) : '';
      if (!toolCallIdPattern.test(id)) return badMessage(`Tool call id has to be 9 characters long and contain only a-z, A-Z, 0-9, got ${id}`);
      seen.add(id);
    }
    if (message['role'] === 'tool') {
      const id = String(message['tool_call_id']);
      if (!toolCallIdPattern.test(id)) return badMessage(`Tool call id has to be 9 characters long and contain only a-z, A-Z, 0-9, got ${id}`);
      if (!seen.has(id)) return badMessage(`Tool message with tool_call_id ${id} does not answer any earlier tool call`);
    }
  }
  const last = body['messages'].at(-1);
  if (isRecord(last) && last['role'] === 'assistant' && last['prefix'] !== true) {
    return badMessage('Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant', 'invalid_request_message_order');
  }
  return undefined;
}

function validation(detail: unknown[]): MistralRefusal {
  return { status: 422, body: { object: 'error', message: { detail }, type: 'invalid_request_message_error', param: null, code: null } };
}

function badMessage(message: string, type = 'invalid_request_message_error'): MistralRefusal {
  return { status: 400, body: { object: 'error', message, type, param: null, code: null } };
}
