/**
 * Finds the known secrets in a text, each whole, or a quoted start or end of it of at least
 * {@link minQuotedPartLength} characters, in every JSON and percent spelling (see SecretRedactor).
 * One expression finds where a part begins (a secret's first or last characters), and the part is
 * then read on character by character: an expression spelling every character of a long secret (an
 * AWS session token is ~1,100 characters) ran to hundreds of kilobytes, which V8 took most of a
 * second to compile on its first use and ran in its slow interpreter after.
 */

/** Known secrets shorter than this are not redacted: they would blank ordinary words. */
export const minSecretLength = 6;

/**
 * A quoted start or end of a known secret this long or longer is blanked too: an
 * error may quote the key without its prefix ("key …c0ffee1234abcd is invalid") or
 * cut it short. Shorter parts (OpenAI's own mask shows the last four) say too little
 * to matter, and would blank ordinary words.
 */
export const minQuotedPartLength = 12;

/**
 * Backslashes one escape may carry: JSON nested inside a JSON string doubles them
 * per level (1, 3, 7, 15, 31 …). Bounded so a run of backslashes costs linear time.
 */
export const maxEscapeBackslashes = 64;

export const jsonShortEscapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };

/** Where a match of a known secret's part is blanked: from `start` (before `index` when a quoted end read back further) to `end`. */
export interface KnownMatch {
  start: number;
  end: number;
}

/** What a capture group of the finding expression says matched: a secret's last characters (an end) or its first (a start). */
interface PartGroup {
  characters: string;
  quotedEnd: boolean;
}

export class KnownSecretMatcher {
  /** The secrets' first and last characters (a short one's all), in every spelling: where a part may be. */
  private readonly finder: RegExp;
  private readonly groups: readonly PartGroup[];

  /** Each long secret's first characters at a place (sticky), longest first: a start where the finder took a quoted end. */
  private readonly starts: ReadonlyArray<{ secret: string; at: RegExp }>;

  /** `secrets`: at least {@link minSecretLength} characters each, longest first (a secret that contains another is blanked whole). */
  constructor(secrets: readonly string[]) {
    const shortest = Math.max(minQuotedPartLength, minSecretLength);
    const groups: PartGroup[] = [];
    const starts: Array<{ secret: string; at: RegExp }> = [];
    const alternatives = secrets.map((secret) => {
      const characters = secret.split('');
      if (secret.length <= shortest) return characters.map((char) => spellingsOf(char)).join('');
      groups.push({ characters: secret, quotedEnd: true }, { characters: secret, quotedEnd: false });
      const last = characters.slice(characters.length - shortest);
      starts.push({ secret, at: new RegExp(characters.slice(0, shortest).map((char) => spellingsOf(char)).join(''), 'y') });
      // The lookbehind (tried only once the last characters matched) reads the end back as far as it goes: see readBack.
      return `${last.map((char) => spellingsOf(char)).join('')}(?<=(${last.map((char) => spellingsOf(char, true)).join('')}))|(${characters
        .slice(0, shortest)
        .map((char) => spellingsOf(char))
        .join('')})`;
    });
    this.finder = new RegExp(alternatives.join('|'), 'g');
    this.groups = groups;
    this.starts = starts;
  }

  /**
   * Every match, as one expression of each part's every character found them: left to right, the
   * next looked for after the last one's end; at each place the secrets longest first, a quoted end
   * before a start. A start runs on over as many more characters as follow, an end reads back over
   * as many as precede it (its blank starts there).
   *
   * `overlapping` looks for the next one from the character after the last one's place, not its
   * end: a secret whose first characters come back inside it (a repeating token) has a start there
   * that hides a longer quoted end, whose blank reads back over it (and may begin before it). The
   * matches then overlap and come out of order of their starts: a blank takes their merged spans.
   * Where a quoted end was found, a start found at the same place is one too (a secret that ends
   * as it begins: its quoted start, read as an end, stopped at the first character that differs).
   */
  matches(text: string, overlapping = false): KnownMatch[] {
    const found: KnownMatch[] = [];
    const finder = this.finder;
    finder.lastIndex = 0;
    for (let match = finder.exec(text); match !== null; match = finder.exec(text)) {
      let end = match.index + match[0].length;
      let start = match.index;
      let quotedEnd = false;
      for (let index = 1; index < match.length; index++) {
        const group = match[index];
        if (group === undefined) continue;
        const { characters } = this.groups[index - 1]!;
        quotedEnd = this.groups[index - 1]!.quotedEnd;
        const read = characters.length - Math.max(minQuotedPartLength, minSecretLength);
        if (quotedEnd) start = Math.min(start, readBack(text, end - group.length, characters, read));
        else end = readOn(text, end, characters, characters.length - read);
        break;
      }
      found.push({ start, end });
      if (overlapping && quotedEnd) this.pushStartsAt(text, match.index, found);
      finder.lastIndex = overlapping ? match.index + 1 : end;
    }
    return found;
  }

  /** The starts of the secrets found at `at`, each run on as far as it goes. */
  private pushStartsAt(text: string, at: number, found: KnownMatch[]): void {
    for (const { secret, at: startAt } of this.starts) {
      startAt.lastIndex = at;
      const match = startAt.exec(text);
      if (match !== null) found.push({ start: at, end: readOn(text, at + match[0].length, secret, Math.max(minQuotedPartLength, minSecretLength)) });
    }
  }
}

/** Sticky expressions, one per character: the spelling of it at a place, and the spelling ending at one. */
const spellingAt = new Map<string, RegExp>();
const spellingBefore = new Map<string, RegExp>();

function cached(cache: Map<string, RegExp>, char: string, source: () => string): RegExp {
  let found = cache.get(char);
  if (found === undefined) {
    found = new RegExp(source(), 'y');
    cache.set(char, found);
  }
  return found;
}

/**
 * Where the characters of `secret` from `from` on, each in its first spelling found at `at`, end:
 * as far as they follow one another. The same as a chain of nested optional groups
 * (`(?:c(?:c…)?)?`) of their spellings, each taken by its first alternative that fits.
 */
function readOn(text: string, at: number, secret: string, from: number): number {
  let position = at;
  for (let index = from; index < secret.length; index++) {
    // The character as itself is its first spelling: most of a long secret is read here, without an expression.
    if (text.charCodeAt(position) === secret.charCodeAt(index)) {
      position++;
      continue;
    }
    const spelling = cached(spellingAt, secret[index]!, () => spellingsOf(secret[index]!));
    spelling.lastIndex = position;
    const match = spelling.exec(text);
    if (match === null) break;
    position += match[0].length;
  }
  return position;
}

/**
 * Where the characters of `secret` before `before`, read backwards from `at` (each in its first
 * spelling found ending there, escapes first, as a lookbehind reads), start: as far back as they go.
 * Read backwards, the same characters may split otherwise (`\u0036` ends in a `6` that spells `6` too).
 */
function readBack(text: string, at: number, secret: string, before: number): number {
  let position = at;
  for (let index = before - 1; index >= 0; index--) {
    // The character as itself, where no escape can end (an escape, tried first, is read there when one does).
    if (text.charCodeAt(position - 1) === secret.charCodeAt(index) && !mayEndEscape(text, position)) {
      position--;
      continue;
    }
    const spelling = cached(spellingBefore, secret[index]!, () => `(?<=(${spellingsOf(secret[index]!, true)}))`);
    spelling.lastIndex = position;
    const match = spelling.exec(text);
    if (match === null) break;
    position -= match[1]!.length;
  }
  return position;
}

/**
 * Whether an escaped or percent-encoded spelling may end at `at`: each begins with a `\` or a `%`
 * at most {@link longestEscapeTail} characters before its end (`\u0025` and two hex digits is the longest;
 * `\x73` is shorter).
 */
function mayEndEscape(text: string, at: number): boolean {
  for (let back = Math.max(0, at - longestEscapeTail); back < at - 1; back++) {
    const code = text.charCodeAt(back);
    if (code === 0x5c || code === 0x25) return true;
  }
  return false;
}

const longestEscapeTail = 8;

/**
 * A regular expression source matching one character of a secret, JSON-escaped or not, or as a
 * byte escape (`\x73`, either case of hex) when it is one byte.
 * `escapesFirst` for a lookbehind, which reads backwards and keeps the first spelling that
 * fits: read as itself, the `6` that ends `\u0036` cut a quoted end short there, and the
 * blank left `\u003` (broken JSON) and the characters before it.
 */
function spellingsOf(char: string, escapesFirst = false): string {
  const escape = `\\\\{1,${maxEscapeBackslashes}}`;
  const hex = hexDigits(char.charCodeAt(0), 4);
  const choices = [escapeRegExp(char), `${escape}u${hex}`];
  // Byte escapes (`\x73`, `\xc3\xa9`), as a C, Python or shell dump of the UTF-8 writes a character.
  const bytes = percentBytes(char.charCodeAt(0));
  if (bytes !== undefined) choices.push(bytes.map((byte) => `${escape}x${hexDigits(byte, 2)}`).join(''));
  const short = jsonShortEscapes[char];
  if (short !== undefined) choices.push(`${escape}${escapeRegExp(short)}`);
  const percent = percentSpelling(char);
  if (percent !== undefined) choices.push(percent);
  // A form (application/x-www-form-urlencoded) or a query string writes a space as `+`.
  if (char === ' ') choices.push('\\+');
  if (escapesFirst) choices.push(choices.shift()!);
  return `(?:${choices.join('|')})`;
}

/** A regular expression source matching `value` as `length` hex digits, each in either case. */
function hexDigits(value: number, length: number): string {
  return value
    .toString(16)
    .padStart(length, '0')
    .split('')
    .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit))
    .join('');
}

/**
 * A regular expression source matching one character percent-encoded (`%2d`, `%2D`), each
 * byte's `%` as itself, JSON-escaped, or encoded again (`%252D`): an ASCII character as one
 * byte, any other as the bytes of its UTF-8 (`é` is `%C3%A9`, as encodeURIComponent and a
 * form write it). None for half a surrogate pair, which UTF-8 cannot write alone.
 */
function percentSpelling(char: string): string | undefined {
  const bytes = percentBytes(char.charCodeAt(0));
  if (bytes === undefined) return undefined;
  return bytes
    .map((byte) => {
      const [high, low] = byte
        .toString(16)
        .padStart(2, '0')
        .split('')
        .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit));
      return `(?:%(?:25)?|\\\\{1,${maxEscapeBackslashes}}u0025)${high}${low}`;
    })
    .join('');
}

/** The bytes a character's percent-encoding spells: its UTF-8; undefined for half a surrogate pair. */
export function percentBytes(code: number): number[] | undefined {
  if (code <= 0x7f) return [code];
  if (code <= 0x7ff) return [0xc0 | (code >> 6), 0x80 | (code & 0x3f)];
  if (code >= 0xd800 && code <= 0xdfff) return undefined;
  return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
