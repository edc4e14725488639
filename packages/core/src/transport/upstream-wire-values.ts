import { parseUpstreamJson } from './parse-upstream-json.js';

/**
 * Reading an upstream's values where its wire format says what type they are. A
 * compatible server (or a proxy's imitation of a provider) may put a number, an
 * object or null where text belongs; such a value is not passed on. Written as text
 * it reached clients as "12345" or "[object Object]", and counted as text it made the
 * output estimate NaN (a usage record the ledger refused).
 */

/** A non-empty string, else undefined: the upstream's value where only text may stand. */
export function nonEmptyText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A JSON object (not null, not a list): where an upstream's wire format has one. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A tool call's input, where the wire format has an object (Anthropic's `tool_use.input`,
 * Bedrock's `toolUse.input`), as the JSON text of its arguments: an object as JSON; a
 * string holding a JSON object as it is (the tolerant reading of a server that sent the
 * input as text); anything else (a number, a list, null) is no arguments, `{}`, as a
 * missing input is. It was written as `"5"` or `"[1]"`.
 */
export function objectInputText(value: unknown): string {
  if (isJsonObject(value)) return JSON.stringify(value);
  if (typeof value === 'string') {
    try {
      if (isJsonObject(parseUpstreamJson(value))) return value;
    } catch {
      // Not JSON, or nested past the bound: no arguments.
    }
  }
  return '{}';
}
