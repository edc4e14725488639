import { redactSecrets } from '@switchyard/core/redact-secrets';

/**
 * C0 controls, DEL and C1 controls: bytes a terminal acts on instead of showing; and the
 * Unicode line separators and the invisible format characters (Unicode Cf but the joiners
 * U+200C and U+200D: bidirectional controls, U+061C, the zero-width space, the byte order
 * mark, the soft hyphen …; the admin API's set), which break a line, reorder what it shows
 * or make one name pass for another.
 */
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/gu;
const namedEscapes: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A text as it is safe to print: every control character written out visibly (`\x1b`,
 * `\n`, `\u202e`), so what a user typed or stored cannot move the cursor, recolour, retitle or
 * clear the terminal, or break a line in two.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(controlCharacters, (character) => {
    const code = character.codePointAt(0)!;
    if (namedEscapes[character] !== undefined) return namedEscapes[character];
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The most characters of a value a message quotes; a longer one is cut and ends in `…`. */
export const maxQuotedLength = 64;

/** The most characters of one message line; past it the line is cut and ends in `…`. */
export const maxMessageLength = 1000;

function cut(text: string, max: number): string {
  const characters = Array.from(text);
  return characters.length > max ? `${characters.slice(0, max).join('')}…` : text;
}

/**
 * A value the user gave (a flag's value, an argument, a name), quoted for a message: a key pasted
 * where a name goes blanked, control characters written out, at most {@link maxQuotedLength}
 * characters of it. Every CLI message that quotes input quotes it with this.
 */
export function quoteInput(value: string): string {
  return `'${showInput(value)}'`;
}

/** {@link quoteInput} without the quotes: for a value shown as part of a command to type. */
export function showInput(value: string): string {
  return escapeControlCharacters(cut(redactSecrets(value), maxQuotedLength));
}

/**
 * A whole message line as it goes to the terminal (bin.ts writes every one-line error through
 * this): for texts that embed input without {@link quoteInput}, such as node's parseArgs errors
 * or the gateway's refusals, which quote the id that was sent.
 */
export function terminalLine(message: string): string {
  return escapeControlCharacters(cut(redactSecrets(message), maxMessageLength));
}

/**
 * JSON for the terminal: JSON.stringify writes C0 controls as `\u001b` but DEL, C1 controls
 * (`\u009b` is a CSI) and the invisible format characters as they are; these too are escaped
 * (one beyond U+FFFF as its two UTF-16 halves, `\udb40\udc41`), which any JSON reader reads
 * back the same.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/gu, (character) =>
    Array.from({ length: character.length }, (_, index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`).join(''),
  );
}

/**
 * CSV for the terminal: every control character inside a cell written out (a quoted cell may
 * hold ESC, a line break or a bidirectional control), while the line breaks between records,
 * outside quotes, stay line breaks. Written to a file or a pipe, the CSV goes out untouched.
 */
export function terminalCsv(csv: string): string {
  let shown = '';
  let quoted = false;
  let cellStart = 0;
  for (let index = 0; index < csv.length; index++) {
    const character = csv[index];
    if (character === '"') quoted = !quoted;
    else if (!quoted && (character === '\n' || (character === '\r' && csv[index + 1] === '\n'))) {
      const breakLength = character === '\r' ? 2 : 1;
      shown += escapeControlCharacters(csv.slice(cellStart, index)) + csv.slice(index, index + breakLength);
      index += breakLength - 1;
      cellStart = index + 1;
    }
  }
  return shown + escapeControlCharacters(csv.slice(cellStart));
}
