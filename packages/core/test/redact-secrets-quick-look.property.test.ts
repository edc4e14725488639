import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretRedactor } from '../src/index.js';

/**
 * The quick look (SecretRedactor.redactKnown skips the expressions when a text cannot
 * hold a known secret) changes nothing: on texts built to sit at its edges (parts of the
 * secrets, each character plain, `\u`-escaped at any depth, percent-encoded or encoded
 * twice, `\/`, base64 forms, and escapes and `%` that spell other characters), it
 * blanks exactly what the expressions alone blank.
 */

const secretCharacters = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/+=.'];
const secretArbitrary = fc
  .tuple(fc.constantFrom('sk-proj-', 'sk-ant-api03-', 'AIza', ''), fc.string({ unit: fc.constantFrom(...secretCharacters), minLength: 6, maxLength: 48 }))
  .map(([prefix, body]) => prefix + body);

/** One character as an upstream may write it. */
function spelled(character: string, how: number, backslashes: number): string {
  const code = character.charCodeAt(0);
  const hex4 = code.toString(16).padStart(4, '0');
  const hex2 = code.toString(16).padStart(2, '0');
  switch (how) {
    case 1:
      return `${'\\'.repeat(backslashes)}u${hex4}`;
    case 2:
      return `${'\\'.repeat(backslashes)}u${hex4.toUpperCase()}`;
    case 3:
      return `%${hex2.toUpperCase()}`;
    case 4:
      return `%25${hex2}`;
    case 5:
      return `${'\\'.repeat(backslashes)}u0025${hex2}`;
    case 6:
      return character === '/' ? `${'\\'.repeat(backslashes)}/` : character;
    default:
      return character;
  }
}

/** A piece of a secret (whole, a start, an end, a middle), plain throughout or each character spelled its own way. */
const secretPiece = (secret: string) =>
  fc
    .tuple(
      fc.constantFrom('whole', 'start', 'end', 'middle'),
      fc.nat(secret.length),
      fc.nat(secret.length),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 6 }), { minLength: secret.length, maxLength: secret.length }),
      fc.integer({ min: 1, max: 3 }),
    )
    .map(([kind, a, b, plain, hows, backslashes]) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      const [from, to] = kind === 'whole' ? [0, secret.length] : kind === 'start' ? [0, high] : kind === 'end' ? [low, secret.length] : [low, high];
      return [...secret.slice(from, to)].map((character, index) => spelled(character, plain ? 0 : hows[from + index]!, backslashes)).join('');
    });

const base64Piece = (secret: string) =>
  fc.tuple(fc.nat(2), fc.boolean(), fc.boolean()).map(([offset, url, escapeSlash]) => {
    const encoded = Buffer.concat([Buffer.alloc(offset, 120), Buffer.from(secret)]).toString(url ? 'base64url' : 'base64');
    return escapeSlash ? encoded.replace(/\//g, '\\/') : encoded;
  });

/** Text around the pieces: words, newlines written as JSON writes them, escapes and `%` of other characters. */
const filler = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('\\n', '\\"', '\\\\', '\\u00e9', '\\u0020', '%20', '%zz', '\\u12', '%', '\\', 'Hello, world.'),
);

describe('SecretRedactor quick look', () => {
  it('property: redactKnown blanks what the expressions alone blank', () => {
    // Building a redactor compiles its expressions (tens of ms on a busy machine) and redacting takes
    // far less: each run builds its two once and checks ten texts, 3,000 texts in all, a bounded work.
    const textOf = (secrets: string[]) =>
      fc.array(fc.oneof(filler, fc.constantFrom(...secrets).chain(secretPiece), fc.constantFrom(...secrets).chain(base64Piece)), { maxLength: 8 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(
        fc.array(secretArbitrary, { minLength: 1, maxLength: 3 }).chain((secrets) => fc.tuple(fc.constant(secrets), fc.array(textOf(secrets), { minLength: 10, maxLength: 10 }))),
        ([secrets, texts]) => {
          const quick = new SecretRedactor(secrets);
          const reference = new SecretRedactor(secrets, { quickLook: false });
          for (const text of texts) expect(quick.redactKnown(text)).toBe(reference.redactKnown(text));
        },
      ),
      { numRuns: 300 },
    );
    // 300 texts through two redactors, one without its quick look: ~5 s alone, more on a busy box.
  }, 90_000);

  it('a text without a piece of a secret is handed back as it is, however it is escaped', () => {
    const redactor = new SecretRedactor(['sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEF']);
    const text = '{"choices":[{"message":{"content":"Line one\\nLine \\"two\\" \\u00e9 50%"}}]}';
    expect(redactor.redactKnown(text)).toBe(text);
  });
});
