/**
 * JSON spaced the way Gemini's streams are (`": "` after keys, `,` with no space),
 * as in the fixture `stream.txt`; so a client that depends on either spacing fails
 * against the mock as it would against Gemini.
 */
export function toGeminiJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toGeminiJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, inner]) => inner !== undefined);
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}: ${toGeminiJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
