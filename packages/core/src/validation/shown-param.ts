import { pointerToParam } from './compile-validator.js';

/** A `param` longer than this is cut: it is built from the client's own keys. */
const maxParamLength = 200;

/**
 * The `param` of a 400 for a JSON pointer into a client's body (`/messages/0/role` →
 * `messages[0].role`), cut to 200 characters: a key of the body may be megabytes of
 * anything, and is named back at most in part.
 */
export function shownParam(pointer: string): string {
  const param = pointerToParam(pointer);
  return param.length > maxParamLength ? `${param.slice(0, maxParamLength)}…` : param;
}
