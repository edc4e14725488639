/**
 * Regular-expression sources for reading a few values straight out of JSON text
 * whose exact shape is known (a provider's per-token stream events), instead of
 * parsing it. They follow JSON's grammar strictly, so a text they match is valid
 * JSON: a string has no raw control character, no unescaped quote or backslash and
 * only JSON's escapes; an integer has no leading zero. A decoder that reads an event
 * this way must match the whole text (`^…$`) with keys in a fixed order, each once,
 * so no key can hide behind a duplicate (JSON.parse keeps the last of two).
 */

/**
 * The longest text worth matching: a token event is a few hundred characters. A
 * backtracking regular expression over a long string is slower than JSON.parse
 * (~50 ms for 1 MB) and, past a few MB, throws a RangeError; a longer event is parsed.
 */
export const maxMatchedEventLength = 4096;

const stringBody = String.raw`(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*`;

/** A JSON string, quotes included. */
export const jsonStringPattern = `"${stringBody}"`;

/** A JSON string whose characters (still escaped: see `unescapeJsonString`) are captured. */
export const capturedJsonStringPattern = `"(${stringBody})"`;

/** A non-negative JSON integer short enough to stay exact (up to 9 digits). */
export const jsonIndexPattern = String.raw`(?:0|[1-9][0-9]{0,8})`;

/**
 * What may be a key spelled with a `\u` escape: an escape, then the key's closing quote
 * and its colon (a key that decodes to a name the gateway looks for holds no quote). A
 * check that a stream event names no key it could hide behind escapes. Each try runs
 * from an escape only to the next escape or quote, so an event costs its length: the
 * pattern it replaces, `\\u[^"]*"\s*:`, ran from every escape to the string's closing
 * quote, and a text of n escapes cost n times its length (one 480 KB event of `\u0041`
 * held the event loop 29 s). It matches exactly the texts that one did.
 */
export const escapedKeyPattern = String.raw`\\u(?:[^"\\]|\\(?!u))*"\s*:`;

/** The value of a string `capturedJsonStringPattern` captured; parses only a string holding an escape. */
export function unescapeJsonString(captured: string): string {
  return captured.includes('\\') ? (JSON.parse(`"${captured}"`) as string) : captured;
}
