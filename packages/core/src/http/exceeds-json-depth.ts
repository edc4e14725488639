const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const openBracket = 0x5b;
const closeBrace = 0x7d;
const closeBracket = 0x5d;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, judged from the
 * raw bytes before `JSON.parse` sees them. Parsing a deep body is what costs: two
 * million `[` in a 4 MB body keep V8's parser busy for seconds, and the parsed
 * value would overflow the stack of the first recursive clone. String contents
 * are skipped with `indexOf`, so the scan costs a fraction of the parse. Malformed
 * text is left for `JSON.parse` to refuse.
 */
export function exceedsJsonDepth(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  const length = bytes.length;
  for (let index = 0; index < length; index++) {
    const byte = bytes[index];
    if (byte === quote) {
      index = closingQuote(bytes, index);
      if (index < 0) return false;
    } else if (byte === openBrace || byte === openBracket) {
      if (++depth > maxDepth) return true;
    } else if (byte === closeBrace || byte === closeBracket) {
      depth--;
    }
  }
  return false;
}

/** The index of the quote that ends the string opened at `open`, or -1. */
function closingQuote(bytes: Uint8Array, open: number): number {
  let candidate = open;
  for (;;) {
    candidate = bytes.indexOf(quote, candidate + 1);
    if (candidate < 0) return -1;
    let backslashes = 0;
    while (bytes[candidate - 1 - backslashes] === backslash) backslashes++;
    // An even run of backslashes escapes itself, not the quote.
    if (backslashes % 2 === 0) return candidate;
  }
}
