import type { CommonErrorCase } from '@switchyard/testing';

/** How the mock Acme answers each error case a script can ask for: status and `fault.reason`. */
export const acmeErrorCases: Record<CommonErrorCase, { status: number; reason: string; message: string }> = {
  invalid_key: { status: 401, reason: 'bad_key', message: 'The key acme-… is not valid.' },
  permission_denied: { status: 403, reason: 'forbidden', message: 'This key may not use this engine.' },
  bad_request: { status: 400, reason: 'malformed', message: 'dialogue must not be empty' },
  context_length_exceeded: { status: 400, reason: 'too_long', message: 'The dialogue exceeds 8192 tokens.' },
  rate_limit: { status: 429, reason: 'slow_down', message: 'Too many requests.' },
  overloaded: { status: 503, reason: 'busy', message: 'All engines are busy.' },
  server_error: { status: 500, reason: 'broken', message: 'Something broke.' },
};

/** The line a failing stream ends with. */
export const acmeStreamFaultLine = `${JSON.stringify({ kind: 'fault', reason: 'broken', message: 'The engine failed.' })}\n`;
