/** Backslashes one `\u` escape may carry (JSON inside JSON strings doubles them per level); bounded for linear time. */
const maxEscapeBackslashes = 64;

/** A text read with its escapes decoded, and where each of its characters began in the source. */
export interface EscapedReading {
  text: string;
  /** `starts[i]`: where character `i` of `text` began in the source; `starts[text.length]` is the source's length. */
  starts: number[];
}

/**
 * `source` read with each `\uXXXX` and `\xXX` escape (after any run of backslashes: JSON left inside a
 * JSON string) and each percent-encoded byte (`%2D`, and `%252D`, encoded twice) as the one
 * character it spells; undefined when it holds none. A key-shaped string an upstream's message
 * quotes escaped is found in this reading, and blanked over the escapes that spelled it.
 */
export function escapedReading(source: string): EscapedReading | undefined {
  if (!source.includes('\\u') && !source.includes('\\x') && !source.includes('%')) return undefined;
  let text = '';
  const starts: number[] = [];
  let decoded = false;
  for (let at = 0; at < source.length; ) {
    const spelled = escapeAt(source, at);
    starts.push(at);
    if (spelled) {
      text += spelled.char;
      at = spelled.end;
      decoded = true;
    } else {
      text += source[at];
      at++;
    }
  }
  starts.push(source.length);
  return decoded ? { text, starts } : undefined;
}

function escapeAt(source: string, at: number): { char: string; end: number } | undefined {
  const code = source.charCodeAt(at);
  if (code === 0x25) {
    const twice = source.startsWith('25', at + 1) && hexAt(source, at + 3, 2) >= 0;
    const value = hexAt(source, twice ? at + 3 : at + 1, 2);
    return value >= 0 ? { char: String.fromCharCode(value), end: at + (twice ? 5 : 3) } : undefined;
  }
  if (code !== 0x5c) return undefined;
  let after = at;
  while (source.charCodeAt(after) === 0x5c && after - at < maxEscapeBackslashes) after++;
  if (source.charCodeAt(after) === 0x78) {
    const byte = hexAt(source, after + 1, 2);
    return byte >= 0 ? { char: String.fromCharCode(byte), end: after + 3 } : undefined;
  }
  if (source.charCodeAt(after) !== 0x75) return undefined;
  const value = hexAt(source, after + 1, 4);
  return value >= 0 ? { char: String.fromCharCode(value), end: after + 5 } : undefined;
}

/** The value of `length` hex digits at `at`; -1 when they are not all hex digits. */
function hexAt(source: string, at: number, length: number): number {
  if (at + length > source.length) return -1;
  let value = 0;
  for (let index = at; index < at + length; index++) {
    const digit = Number.parseInt(source[index]!, 16);
    if (Number.isNaN(digit)) return -1;
    value = value * 16 + digit;
  }
  return value;
}
