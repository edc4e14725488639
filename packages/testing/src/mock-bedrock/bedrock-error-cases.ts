import { isRecord } from '../mock-server/is-record.js';
import { readErrorCases, stringValues, type MockErrorAnswer } from '../mock-server/mock-error-cases.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/** Names of the error cases in the Bedrock fixture `errors.json`. */
export type BedrockErrorCase =
  | CommonErrorCase
  | 'signature_mismatch'
  | 'expired_token'
  | 'bedrock_api_key_invalid'
  | 'model_not_ready'
  | 'model_timeout'
  | 'model_error'
  | 'on_demand_not_supported'
  | 'invalid_model';

/** The in-stream exception frame of `errors.json` (`stream_exception_frame`). */
export interface BedrockExceptionFrame {
  headers: Record<string, string>;
  payload: unknown;
}

/** The error answers of `errors.json`, plus the exception frame sent inside a stream. */
export interface BedrockErrorCases {
  cases: Record<BedrockErrorCase, MockErrorAnswer>;
  streamException: BedrockExceptionFrame;
}

export const bedrockErrorCaseNames: readonly BedrockErrorCase[] = [
  'invalid_key',
  'signature_mismatch',
  'expired_token',
  'bedrock_api_key_invalid',
  'permission_denied',
  'rate_limit',
  'model_not_ready',
  'server_error',
  'overloaded',
  'model_timeout',
  'model_error',
  'bad_request',
  'on_demand_not_supported',
  'invalid_model',
  'context_length_exceeded',
];

/** Reads and checks `errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadBedrockErrorCases(): BedrockErrorCases {
  const { file, cases } = readErrorCases('bedrock', bedrockErrorCaseNames);
  const frame = file['stream_exception_frame'];
  if (!isRecord(frame) || !isRecord(frame['headers'])) throw new Error('bedrock/errors.json has no stream_exception_frame');
  return { cases, streamException: { headers: stringValues(frame['headers']), payload: frame['payload'] } };
}
