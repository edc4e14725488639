import type { ChatRequest } from '../canonical/chat-request.js';
import { GatewayError } from '../errors/gateway-error.js';
import { messagesRequestBounds } from './anthropic/messages-request-schema.js';
import { requestBounds } from './openai/chat-completions-request-schema.js';

/** Each number's range on the gateway's own routes (docs/limits.md), by canonical field. */
const numberRanges: ReadonlyArray<{ field: keyof ChatRequest; min: number; max: number; integer: boolean }> = [
  { field: 'maxOutputTokens', min: 1, max: requestBounds.maxOutputTokens, integer: true },
  { field: 'temperature', min: 0, max: 2, integer: false },
  { field: 'topP', min: 0, max: 1, integer: false },
  { field: 'presencePenalty', min: -2, max: 2, integer: false },
  { field: 'frequencyPenalty', min: -2, max: 2, integer: false },
  { field: 'seed', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true },
  // One choice is answered, and budgets hold for one.
  { field: 'candidateCount', min: 1, max: 1, integer: true },
];

function outOfBounds(field: string, expected: string): GatewayError {
  return new GatewayError('invalid_request', `The request's ${field}, as the ingress plugin translated it, must be ${expected}.`);
}

/**
 * Holds a request an ingress plugin's dialect translated to the bounds the gateway's own
 * dialects hold theirs to: every number finite and in its range, the tools and stop
 * sequences no more than any route takes. A plugin that skipped a check sent an output
 * limit of -5 or 1.5 to the budget and the adapters, a temperature of 1e300 or a thousand
 * tools upstream. Messages are not counted: a plugin's turns may each make several.
 *
 * @throws {GatewayError} `invalid_request` (400) naming the canonical field.
 */
export function checkPluginRequestBounds(request: ChatRequest): void {
  for (const { field, min, max, integer } of numberRanges) {
    const value = request[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw outOfBounds(field, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
  }
  if (request.tools !== undefined && (!Array.isArray(request.tools) || request.tools.length > requestBounds.maxTools)) {
    throw outOfBounds('tools', `at most ${requestBounds.maxTools}`);
  }
  if (request.stopSequences !== undefined && (!Array.isArray(request.stopSequences) || request.stopSequences.length > messagesRequestBounds.maxStopSequences)) {
    throw outOfBounds('stopSequences', `at most ${messagesRequestBounds.maxStopSequences}`);
  }
  const longStop = request.stopSequences?.findIndex((stop) => typeof stop !== 'string' || stop.length > requestBounds.maxStopSequenceLength) ?? -1;
  if (longStop >= 0) throw outOfBounds(`stopSequences[${longStop}]`, `a string of at most ${requestBounds.maxStopSequenceLength} characters`);
}
