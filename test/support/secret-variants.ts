import fc from 'fast-check';

/** Characters of real provider credentials: API keys, AWS secret keys (`/`, `+`), tokens (`=`). */
const secretAlphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/+='];

/** A credential as a provider's options hold it: a known prefix or none, then 8 to 64 characters. */
export const secretArbitrary = fc
  .tuple(
    fc.constantFrom('sk-proj-', 'sk-ant-api03-', 'AIza', 'gsk_', 'xai-', ''),
    fc.string({ unit: fc.constantFrom(...secretAlphabet), minLength: 8, maxLength: 64 }),
  )
  .map(([prefix, body]) => prefix + body);

/** How one character of a secret is written: as itself, `\uXXXX` in lower or upper hex, or `\/`. */
export type CharacterSpelling = 'plain' | 'lower' | 'upper' | 'short';

/** A secret and, for each of its characters, how the upstream spelled it. */
export interface SpelledSecret {
  secret: string;
  spellings: CharacterSpelling[];
}

export const spelledSecretArbitrary: fc.Arbitrary<SpelledSecret> = secretArbitrary.chain((secret) =>
  fc
    .array(fc.constantFrom<CharacterSpelling>('plain', 'lower', 'upper', 'short'), { minLength: secret.length, maxLength: secret.length })
    .map((spellings) => ({ secret, spellings })),
);

/**
 * The secret as it appears in raw JSON text at `depth` levels of JSON-in-a-JSON-string
 * (1: a plain string value; 2: inside a JSON document that is itself a string value).
 * Each level doubles the backslashes of an escape.
 */
export function spellSecret({ secret, spellings }: SpelledSecret, depth: number): string {
  const backslashes = '\\'.repeat(2 ** (depth - 1));
  return [...secret]
    .map((char, index) => {
      const hex = char.charCodeAt(0).toString(16).padStart(4, '0');
      switch (spellings[index]) {
        case 'lower':
          return `${backslashes}u${hex.toLowerCase()}`;
        case 'upper':
          return `${backslashes}u${hex.toUpperCase()}`;
        case 'short':
          return char === '/' ? `${backslashes}/` : char;
        default:
          return char;
      }
    })
    .join('');
}

/**
 * Undoes every JSON escape, at every depth, until nothing changes: what a client
 * decoding the text any number of times could read. A secret must not be in it.
 */
export function unescapeAll(text: string): string {
  let current = text;
  for (let round = 0; round < 16; round++) {
    const next = current
      .replace(/\\+u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      .replace(/\\+([/"\\])/g, '$1');
    if (next === current) return current;
    current = next;
  }
  return current;
}

/** A marker that survives JSON.stringify untouched, replaced by the spelled secret in the raw text. */
export const secretMarker = 'QQSECRETMARKERQQ';

/** Surrounding text for the secret in a message: printable, no marker, bounded. */
export const messageTextArbitrary = fc.string({ maxLength: 60 }).filter((text) => !text.includes(secretMarker));
