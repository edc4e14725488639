const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const openBracket = 0x5b;
const closeBrace = 0x7d;
const closeBracket = 0x5d;
const colon = 0x3a;
const digitZero = 0x30;
const digitNine = 0x39;
const lowerE = 0x65;
const upperE = 0x45;

/**
 * The fewest digits in a row a JSON number needs to overflow to Infinity without an
 * exponent: the largest double is about 1.8e308, a 309-digit integer.
 */
const overflowDigits = 309;

/**
 * What one pass over a JSON body's bytes found: nested deeper than the limit; more
 * object keys than the limit; holding a number that may be too large for a double (an
 * exponent, or 309 digits in a row), so the parsed value must be checked for Infinity;
 * or none of these.
 */
export type JsonTextScan = 'too-deep' | 'too-many-keys' | 'large-numbers' | 'plain';

/**
 * Scans JSON text before `JSON.parse` sees it. Parsing some bodies is what costs:
 * - two million `[` in a 4 MB body keep V8's parser busy for seconds, and the parsed
 *   value would overflow the stack of the first recursive clone;
 * - every object V8 builds with keys in a new name or order makes new hidden classes:
 *   4 MB of small objects, their keys shuffled, parse in ~3 s (half a million keys),
 *   where 4 MB of text parses in tens of ms. Keys are counted as the colons outside
 *   strings, over the whole body (`maxKeys`).
 * String contents are skipped with `indexOf`, so the scan costs a fraction of the
 * parse. Most bodies hold no number that could overflow, and then need no walk over
 * the parsed value. Malformed text is left for `JSON.parse` to refuse.
 */
export function scanJsonText(text: string, maxDepth: number, maxKeys = Number.POSITIVE_INFINITY): JsonTextScan {
  let depth = 0;
  let keys = 0;
  let digitsInRow = 0;
  let largeNumbers = false;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= digitZero && code <= digitNine) {
      if (++digitsInRow >= overflowDigits) largeNumbers = true;
      continue;
    }
    // An exponent follows a digit; the `e` of `true` and `false` does not.
    if ((code === lowerE || code === upperE) && digitsInRow > 0) largeNumbers = true;
    digitsInRow = 0;
    if (code === quote) {
      index = closingQuote(text, index);
      if (index < 0) break;
    } else if (code === openBrace || code === openBracket) {
      if (++depth > maxDepth) return 'too-deep';
    } else if (code === closeBrace || code === closeBracket) {
      depth--;
    } else if (code === colon) {
      if (++keys > maxKeys) return 'too-many-keys';
    }
  }
  return largeNumbers ? 'large-numbers' : 'plain';
}

/** The index of the quote that ends the string opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let candidate = open;
  for (;;) {
    candidate = text.indexOf('"', candidate + 1);
    if (candidate < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(candidate - 1 - backslashes) === backslash) backslashes++;
    // An even run of backslashes escapes itself, not the quote.
    if (backslashes % 2 === 0) return candidate;
  }
}

/**
 * Whether JSON text is nested deeper than `maxDepth` (scanJsonText's depth count), for
 * text an upstream sent. Text shorter than two characters a level is not read at all:
 * JSON nested deeper than `maxDepth` opens and closes `maxDepth + 1` containers, so
 * most stream events cost one comparison.
 */
export function isJsonTextDeeperThan(text: string, maxDepth: number): boolean {
  return text.length >= 2 * (maxDepth + 1) && scanJsonText(text, maxDepth) === 'too-deep';
}
