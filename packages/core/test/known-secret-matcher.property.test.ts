import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KnownSecretMatcher, maxEscapeBackslashes, minQuotedPartLength } from '../src/errors/known-secret-matcher.js';

/**
 * KnownSecretMatcher finds a part's first or last characters with one expression and reads the
 * part on (or back) character by character. It is held here to what it replaced: one expression
 * spelling every character of every secret, an end read back by a lookbehind over nested optional
 * groups, a start read on by nested optional groups, a match's blank from the lookbehind's capture.
 */

const jsonShortEscapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function hexClass(digits: string): string {
  return digits
    .split('')
    .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit))
    .join('');
}

function spellingsOf(char: string, escapesFirst = false): string {
  const escape = `\\\\{1,${maxEscapeBackslashes}}`;
  const choices = [escapeRegExp(char), `${escape}u${hexClass(char.charCodeAt(0).toString(16).padStart(4, '0'))}`];
  const short = jsonShortEscapes[char];
  if (short !== undefined) choices.push(`${escape}${escapeRegExp(short)}`);
  if (char.charCodeAt(0) <= 0x7f) choices.push(`(?:%(?:25)?|\\\\{1,${maxEscapeBackslashes}}u0025)${hexClass(char.charCodeAt(0).toString(16).padStart(2, '0'))}`);
  if (escapesFirst) choices.push(choices.shift()!);
  return `(?:${choices.join('|')})`;
}

/** The single expression the matcher replaced. */
function partsOf(characters: string[], backwards: string[]): string {
  const shortest = minQuotedPartLength;
  if (characters.length <= shortest) return characters.join('');
  const last = characters.slice(characters.length - shortest).join('');
  let before = '';
  for (let index = 0; index < characters.length - shortest; index++) before = `(?:${before}${backwards[index]})?`;
  let after = '';
  for (let index = characters.length - 1; index >= shortest; index--) after = `(?:${characters[index]}${after})?`;
  return `${last}(?<=(${before}${backwards.slice(characters.length - shortest).join('')}))|${characters.slice(0, shortest).join('')}${after}`;
}

function referenceMatches(secrets: readonly string[], text: string): Array<{ start: number; end: number }> {
  const known = new RegExp(secrets.map((secret) => partsOf(secret.split('').map((char) => spellingsOf(char)), secret.split('').map((char) => spellingsOf(char, true)))).join('|'), 'g');
  return [...text.matchAll(known)].map((match) => {
    const end = match.index + match[0].length;
    const quotedEnd = match.find((group, index) => index > 0 && group !== undefined);
    return { start: quotedEnd === undefined ? match.index : Math.min(match.index, end - quotedEnd.length), end };
  });
}

// Characters that spell one another: hex digits, escape letters, `\`, `"`, `/`, `%`, `u`.
const secretCharacters = [...'abcdefABCDEF0123456789uUnrtbf/"\\%-_xyzXYZ'];
const secretArbitrary = fc.string({ unit: fc.constantFrom(...secretCharacters), minLength: 6, maxLength: 40 });

/** One character as an upstream may write it. */
function spelled(character: string, how: number, backslashes: number): string {
  const code = character.charCodeAt(0);
  const hex4 = code.toString(16).padStart(4, '0');
  const hex2 = code.toString(16).padStart(2, '0');
  const slashes = '\\'.repeat(backslashes);
  switch (how) {
    case 1:
      return `${slashes}u${hex4}`;
    case 2:
      return `${slashes}u${hex4.toUpperCase()}`;
    case 3:
      return `%${hex2.toUpperCase()}`;
    case 4:
      return `%25${hex2}`;
    case 5:
      return `${slashes}u0025${hex2}`;
    case 6:
      return jsonShortEscapes[character] === undefined ? character : `${slashes}${jsonShortEscapes[character]}`;
    default:
      return character;
  }
}

const pieceArbitrary = (secrets: string[]) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...secretCharacters, ' '), maxLength: 8 }),
    fc
      .tuple(fc.nat(secrets.length - 1), fc.nat(60), fc.nat(60), fc.array(fc.tuple(fc.nat(7), fc.constantFrom(1, 2, 3, 7, 64, 65)), { maxLength: 60 }))
      .map(([which, from, length, hows]) => {
        const secret = secrets[which]!;
        const start = Math.min(from, secret.length);
        return [...secret.slice(start, start + length)].map((character, index) => spelled(character, hows[index]?.[0] ?? 0, hows[index]?.[1] ?? 1)).join('');
      }),
  );

describe('KnownSecretMatcher', () => {
  it('property: finds exactly what the single expression of every spelling of every character found', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(secretArbitrary, { minLength: 1, maxLength: 3 })
          .map((secrets) => secrets.sort((a, b) => b.length - a.length))
          .chain((secrets) => fc.tuple(fc.constant(secrets), fc.array(pieceArbitrary(secrets), { maxLength: 12 }))),
        ([secrets, pieces]) => {
          const text = pieces.join('');
          expect(new KnownSecretMatcher(secrets).matches(text)).toEqual(referenceMatches(secrets, text));
        },
      ),
      { numRuns: 400 },
    );
    // The reference expression (nested optional groups under a lookbehind) is what takes the
    // time: ~6 s alone, and three times that on a box busy with other test files. The bound is
    // for a hung matcher, not a speed check.
  }, 90_000);
});
