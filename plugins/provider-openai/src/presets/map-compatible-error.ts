import { GatewayError, parseUpstreamJson, type UpstreamErrorResponse, isJsonObject } from '@switchyard/core';
import { mapOpenAIErrorBody, retryAfterSeconds } from '../map-openai-error.js';

type Json = Record<string, unknown>;


/** One upstream error, read from whichever envelope carried it. */
interface ReadError {
  message: string | undefined;
  type: string | undefined;
  code: string | undefined;
  param: string | null;
}

const contextLengthPattern = /maximum context length|context length|context window|too large for model|prompt too long/i;
const badKeyPattern = /incorrect api key|invalid api key|api key not valid/i;

/**
 * An error of an OpenAI-compatible service → GatewayError. Besides OpenAI's
 * `{error:{…}}` it reads the flat `{object:"error", message, type, code}` (vLLM,
 * Mistral's inference service), `{message, request_id}` (Mistral's API gateway),
 * xAI's `{code, error:"…"}` (a bad key answered with 400, remapped to 401) and
 * OpenRouter's numeric `error.code`; 402 (no balance, no credits) is a quota error.
 */
export function mapCompatibleError(provider: string, response: UpstreamErrorResponse): GatewayError {
  let body: unknown;
  try {
    body = parseUpstreamJson(response.bodyText);
  } catch {
    // HTML or empty bodies: the status decides alone.
  }
  const error = mapCompatibleErrorBody(provider, response.status, body);
  const retryAfter = retryAfterSeconds(response.headers);
  if (retryAfter === undefined || !error.retryable) return error;
  return new GatewayError(error.code, error.message, { param: error.param, provider, upstreamStatus: response.status, retryAfterSeconds: retryAfter });
}

/** Maps a parsed error body; also used for errors that arrive inside a 200 stream. */
export function mapCompatibleErrorBody(provider: string, status: number, body: unknown): GatewayError {
  const read = readError(body);
  const options = { provider, upstreamStatus: status, param: read.param };
  // Never echo an authentication message: it quotes the rejected key.
  if (status === 401 || (read.message !== undefined && badKeyPattern.test(read.message))) {
    return new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's credentials.`, options);
  }
  if (status === 402) return new GatewayError('upstream_quota_exceeded', `${provider}: the gateway's account has no balance or credits left.`, options);
  if ((status === 400 || status === 413) && read.message !== undefined && contextLengthPattern.test(read.message)) {
    return new GatewayError('context_length_exceeded', `${provider}: ${read.message}`, options);
  }
  return mapOpenAIErrorBody(provider, status, { error: { message: read.message, type: read.type, code: read.code, param: read.param } });
}

function readError(body: unknown): ReadError {
  const read: ReadError = { message: undefined, type: undefined, code: undefined, param: null };
  if (!isJsonObject(body)) return read;
  // `{error:{…}}`, or xAI's flat `{code, error:"…"}`, or a flat `{object:"error", message, …}`.
  const detail = isJsonObject(body['error']) ? body['error'] : body;
  if (typeof body['error'] === 'string') read.message = body['error'];
  else read.message = messageText(detail['message']);
  if (typeof detail['type'] === 'string') read.type = detail['type'];
  if (typeof detail['code'] === 'string') read.code = detail['code'];
  if (typeof detail['param'] === 'string') read.param = detail['param'];
  return read;
}

/** A message may be a string or, in Mistral's 422, a FastAPI `{detail:[{loc, msg}]}`. */
function messageText(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  const detail = isJsonObject(message) ? message['detail'] : undefined;
  if (!Array.isArray(detail)) return undefined;
  const lines = detail.filter(isJsonObject).map((item) => {
    const where = Array.isArray(item['loc']) ? item['loc'].join('.') : '';
    return `${where ? `${where}: ` : ''}${String(item['msg'] ?? 'invalid')}`;
  });
  return lines.length > 0 ? lines.join('; ') : undefined;
}
