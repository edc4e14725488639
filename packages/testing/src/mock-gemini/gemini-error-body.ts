/** Gemini's error envelope (google.rpc.Status). */
export interface GeminiErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

/** The 400 Gemini answers a request it cannot accept, with the field it blames when there is one. */
export function invalidArgumentBody(message: string, field?: string): GeminiErrorBody {
  const error: GeminiErrorBody['error'] = { code: 400, message, status: 'INVALID_ARGUMENT' };
  if (field !== undefined) {
    error.details = [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }];
  }
  return { error };
}

/** The 404 Gemini answers for an unknown model or route. */
export function notFoundBody(message: string): GeminiErrorBody {
  return { error: { code: 404, message, status: 'NOT_FOUND' } };
}

/** Gemini's JSON answers name their charset. */
export const geminiJsonHeaders = { 'content-type': 'application/json; charset=UTF-8' };
