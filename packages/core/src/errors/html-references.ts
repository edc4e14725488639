/**
 * HTML character references, decoded for redaction: an upstream's error page (a proxy's or load
 * balancer's 502) may write a key or its delimiters as `&#115;k-…`, `&#x73;`, `sk&#45;…` or
 * `key&#61;…`, which a browser (or a reader) decodes back into the key. The redactor looks for
 * secrets in the decoded text and blanks the original characters that spelled them.
 */

/**
 * The named references of the ASCII characters a key, a URL or a header may hold (HTML's list;
 * `-` and `~` have none). Matched with their semicolon only: a URL's `&lt=3` is a parameter.
 */
const namedCharacters: ReadonlyMap<string, string> = new Map(
  (
    [
      ['\t', 'Tab'],
      ['\n', 'NewLine'],
      ['!', 'excl'],
      ['"', 'quot QUOT'],
      ['#', 'num'],
      ['$', 'dollar'],
      ['%', 'percnt'],
      ['&', 'amp AMP'],
      ["'", 'apos'],
      ['(', 'lpar'],
      [')', 'rpar'],
      ['*', 'ast midast'],
      ['+', 'plus'],
      [',', 'comma'],
      ['.', 'period'],
      ['/', 'sol'],
      [':', 'colon'],
      [';', 'semi'],
      ['<', 'lt LT'],
      ['=', 'equals'],
      ['>', 'gt GT'],
      ['?', 'quest'],
      ['@', 'commat'],
      ['[', 'lsqb lbrack'],
      ['\\', 'bsol'],
      [']', 'rsqb rbrack'],
      ['^', 'Hat'],
      ['_', 'lowbar UnderBar'],
      ['`', 'grave DiacriticalGrave'],
      ['{', 'lcub lbrace'],
      ['|', 'verbar vert VerticalLine'],
      ['}', 'rcub rbrace'],
    ] as const
  ).flatMap(([char, names]) => names.split(' ').map((name) => [name, char] as const)),
);

/** Whether a text may hold a reference: one scan, so a text without one costs nothing more. */
const mayHoldReference = /&(?:#[xX]?[0-9A-Fa-f]|[A-Za-z]{2,16};)/;

/** Longest name looked up (VerticalLine, DiacriticalGrave): a longer run of letters after `&` is no reference here. */
const longestName = 16;

/** A text decoded, and where in the source each of its UTF-16 code units was spelled; `starts[text.length]` is the source's length. */
export interface DecodedReferences {
  text: string;
  starts: number[];
}

/**
 * `source` with its character references decoded, twice (a page escaped again writes `&amp;#115;`),
 * and where each decoded character came from; undefined when it holds none. `cut`: a stream's piece,
 * whose last reference without its `;` (`&#6`) may go on in the next piece, and is left as it is.
 */
export function decodeReferences(source: string, cut = false): DecodedReferences | undefined {
  const ampersands = unescapeJsonAmpersands(source);
  const once = decodeOnce(ampersands?.text ?? source, cut);
  if (!once) return undefined;
  const twice = decodeOnce(once.text, cut);
  const decoded = twice ? { text: twice.text, starts: twice.starts.map((at) => once.starts[at]!) } : once;
  return ampersands ? { text: decoded.text, starts: decoded.starts.map((at) => ampersands.starts[at]!) } : decoded;
}

/**
 * A JSON escape of `&` (`\u0026`, as Go's encoder and others write `&`, `<` and `>`; any run of
 * backslashes, for JSON inside a JSON string): raw JSON text (the fast path's events) spells a
 * reference's `&` so, and the client's JSON reader turns it back into one.
 */
const escapedAmpersand = /\\{1,64}u0026/g;

/** `source` with each JSON-escaped `&` read as `&`, and where each character came from; undefined when it holds none (one `includes`). */
function unescapeJsonAmpersands(source: string): DecodedReferences | undefined {
  if (!source.includes('u0026')) return undefined;
  let text = '';
  const starts: number[] = [];
  let copied = 0;
  for (const match of source.matchAll(escapedAmpersand)) {
    text += `${source.slice(copied, match.index)}&`;
    for (let index = copied; index <= match.index; index++) starts.push(index);
    copied = match.index + match[0].length;
  }
  if (copied === 0) return undefined;
  text += source.slice(copied);
  for (let index = copied; index <= source.length; index++) starts.push(index);
  return { text, starts };
}

/**
 * Where a finder of spans (flattened `[start, end)` pairs) finds them in `source` read as it is
 * and read decoded, the decoded ones over the references that spelled them whole, merged;
 * undefined when `source` holds no reference (the finder's own answer stands).
 */
export function spansThroughReferences(source: string, find: (text: string) => number[]): number[] | undefined {
  const decoded = decodeReferences(source);
  if (!decoded) return undefined;
  const pairs = pairsOf(find(source));
  for (const [start, end] of pairsOf(find(decoded.text))) pairs.push([decoded.starts[start]!, decoded.starts[end]!]);
  return mergedSpans(pairs);
}

/**
 * `source` from `from` on with each span (flattened `[start, end)` pairs, in order, apart) blanked as
 * `[REDACTED]`; a span begun before `from` (in what a stream already sent) is blanked from `from` on.
 */
export function blankSpans(source: string, spans: number[], from = 0): string {
  let result = '';
  let copied = from;
  for (let index = 0; index < spans.length; index += 2) {
    if (spans[index + 1]! <= from) continue;
    result += `${source.slice(copied, Math.max(from, spans[index]!))}[REDACTED]`;
    copied = spans[index + 1]!;
  }
  return result + source.slice(copied);
}

/** Flattened `[start, end)` pairs as pairs. */
export function pairsOf(spans: number[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let index = 0; index < spans.length; index += 2) pairs.push([spans[index]!, spans[index + 1]!]);
  return pairs;
}

/** Where a reference cut short by `to` starts (`&`, `&#`, `&#x7`, `&#11`, `&lowb`), from `from` on; `to` when the text ends in none. */
export function cutReferenceAt(source: string, from: number, to: number): number {
  const at = source.lastIndexOf('&', to - 1);
  if (at >= from && cutReference.test(source.slice(at, to))) return at;
  // Its `&` JSON-escaped (`\u0026#11`): held from the escape's first backslash.
  const escaped = source.lastIndexOf('u0026', to - 1);
  if (escaped <= from || source.charCodeAt(escaped - 1) !== 0x5c || !cutReference.test(`&${source.slice(escaped + 5, to)}`)) return to;
  let start = escaped - 1;
  while (start > from && source.charCodeAt(start - 1) === 0x5c) start--;
  return start;
}

/** Where the first `&` from `from` on is, written as itself or JSON-escaped (`\u0026`, at its last backslash); -1 when there is none. */
export function ampersandFrom(source: string, from: number): number {
  const plain = source.indexOf('&', from);
  const escaped = source.indexOf('\\u0026', from);
  return plain < 0 || escaped < 0 ? Math.max(plain, escaped) : Math.min(plain, escaped);
}

const cutReference = new RegExp(`^&(?:#[xX]?[0-9A-Fa-f]{0,8}|[A-Za-z]{0,${longestName}})$`);

/** Flattened `[start, end)` pairs, sorted and those that overlap or touch merged. */
export function mergedSpans(pairs: Array<[number, number]>): number[] {
  pairs.sort((a, b) => a[0] - b[0]);
  const spans: number[] = [];
  for (const [start, end] of pairs) {
    if (spans.length > 0 && start <= spans[spans.length - 1]!) spans[spans.length - 1] = Math.max(spans[spans.length - 1]!, end);
    else spans.push(start, end);
  }
  return spans;
}

function decodeOnce(source: string, cut: boolean): DecodedReferences | undefined {
  if (!mayHoldReference.test(source)) return undefined;
  let text = '';
  const starts: number[] = [];
  let copied = 0;
  for (let at = source.indexOf('&'); at >= 0; at = source.indexOf('&', Math.max(at + 1, copied))) {
    const reference = referenceAt(source, at);
    if (!reference || (cut && reference.end === source.length && source.charCodeAt(reference.end - 1) !== 0x3b)) continue;
    text += source.slice(copied, at);
    for (let index = copied; index < at; index++) starts.push(index);
    text += reference.value;
    for (let index = 0; index < reference.value.length; index++) starts.push(at);
    copied = reference.end;
  }
  if (copied === 0) return undefined;
  text += source.slice(copied);
  for (let index = copied; index <= source.length; index++) starts.push(index);
  return { text, starts };
}

/** The reference at `at` (its `&`): what it decodes to and where it ends; undefined when there is none. */
function referenceAt(source: string, at: number): { value: string; end: number } | undefined {
  if (source.charCodeAt(at + 1) === 0x23) return numericReferenceAt(source, at + 2);
  let end = at + 1;
  while (end - at <= longestName && isAsciiLetter(source.charCodeAt(end))) end++;
  if (source.charCodeAt(end) !== 0x3b) return undefined;
  const value = namedCharacters.get(source.slice(at + 1, end));
  return value === undefined ? undefined : { value, end: end + 1 };
}

/** `&#` then decimal digits, or `x` and hex digits, then an optional `;` (browsers read it without). */
function numericReferenceAt(source: string, from: number): { value: string; end: number } | undefined {
  const hex = (source.charCodeAt(from) | 0x20) === 0x78;
  const base = hex ? 16 : 10;
  let end = hex ? from + 1 : from;
  let value = 0;
  for (let digit = digitValue(source.charCodeAt(end), base); digit >= 0; digit = digitValue(source.charCodeAt(++end), base)) {
    // Capped past the last code point, so a long run of digits stays a finite number.
    value = Math.min(value * base + digit, 0x110000);
  }
  if (end === (hex ? from + 1 : from)) return undefined;
  if (source.charCodeAt(end) === 0x3b) end++;
  // What a browser shows for a reference to nothing, or to half of a surrogate pair.
  const valid = value > 0 && value < 0x110000 && (value < 0xd800 || value > 0xdfff);
  return { value: valid ? String.fromCodePoint(value) : '\ufffd', end };
}

function digitValue(code: number, base: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return base === 16 && lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function isAsciiLetter(code: number): boolean {
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}
