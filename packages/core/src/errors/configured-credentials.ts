import { credentialHeaderValues } from './credential-header-values.js';
import { SecretRedactor } from './redact-secrets.js';

/** Option names that hold a credential: `api_key`, `secret_access_key`, `session_token`, `bearer_token`, `access_key_id`, `password`. */
const credentialOption = /(?:^|_)(?:key|secret|token|password|passwd|credentials?)(?:_id)?$/i;

/**
 * The credentials a provider entry of the config holds, before its plugin has started and
 * declared its own (`secrets`): its credential-named options, and those of its extra `headers`.
 */
export function configuredCredentials(entry: unknown): string[] {
  if (typeof entry !== 'object' || entry === null) return [];
  const values: string[] = [];
  for (const [name, value] of Object.entries(entry)) {
    if (typeof value === 'string' && credentialOption.test(name)) values.push(value);
  }
  const headers = (entry as { headers?: unknown }).headers;
  if (typeof headers === 'object' && headers !== null) {
    values.push(...credentialHeaderValues(Object.fromEntries(Object.entries(headers).filter((pair): pair is [string, string] => typeof pair[1] === 'string'))));
  }
  return values;
}

/**
 * `error` with the credentials blanked in its message and stack, in place (its class and code
 * kept, for whoever tells failures apart): a provider plugin that fails to start may quote the
 * options it was given, and `switchyard start` prints its stack.
 */
export function withCredentialsBlanked(error: unknown, credentials: readonly string[]): unknown {
  if (!(error instanceof Error) || credentials.length === 0) return error;
  const redactor = new SecretRedactor(credentials);
  error.message = redactor.redact(error.message);
  if (typeof error.stack === 'string') error.stack = redactor.redact(error.stack);
  return error;
}
