/**
 * Reading an upstream's values where the wire format says what type they are: an
 * Anthropic-compatible server may put a number, an object or null where text
 * belongs. Such a value is not passed on: written as text it reached the client as
 * "12345" or "[object Object]", and a number where a stream's text belongs went to
 * the client as it came.
 */

export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A non-empty string, else undefined: the upstream's value where only text may stand. */
export function nonEmptyText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A tool_use block's `input` as the JSON text of its arguments: an object as JSON; a
 * string holding a JSON object as it is (the tolerant reading of a compatible server
 * that sent the input as text); anything else (a number, a list, null) is no
 * arguments, `{}`, as a missing input is. It was written as `"5"` or `"[1]"`.
 */
export function toolInputText(value: unknown): string {
  if (isRecord(value)) return JSON.stringify(value);
  if (typeof value === 'string') {
    try {
      if (isRecord(JSON.parse(value))) return value;
    } catch {
      // Not JSON: no arguments.
    }
  }
  return '{}';
}
