/** OpenAI's error envelope, `{ error: { message, type, param, code } }`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The body OpenAI sends for a request it rejects as malformed (status 400 or 404). */
export function invalidRequestBody(message: string, param: string | null = null, code: string | null = null): OpenAIErrorBody {
  return { error: { message, type: 'invalid_request_error', param, code } };
}
