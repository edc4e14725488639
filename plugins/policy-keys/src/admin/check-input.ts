import { GatewayError, pointerToParam, shownParam, type Validator } from '@switchyard/core';

/**
 * Checks a body or query against its compiled schema. The error's `param` names the
 * first field at fault; the message lists every problem, so one round trip fixes all.
 */
export function checkInput<T>(validator: Validator<T>, value: unknown, what: 'body' | 'query'): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_request', `The request ${what} must be a JSON object.`);
  }
  const result = validator(value);
  if (result.ok) {
    const unfit = unfitTextAt(result.value, '', what === 'body' ? unfitWrittenTextProblem : unfitTextProblem);
    if (unfit !== undefined) {
      const param = pointerToParam(unfit.pointer) || what;
      // Which one, as its code point: the character itself cannot be seen in the message.
      const culprit = unfit.problem === 'invisible' ? invisibleCharacter : unfit.problem === 'noncharacter' ? noncharacter : undefined;
      const found = culprit ? ` (it holds ${codePointOf(unfit.text.match(culprit)![0])})` : '';
      throw new GatewayError('invalid_request', `Invalid request ${what}: ${param}: ${unfitTextProblems[unfit.problem]}${found}.`, {
        param: pointerToParam(unfit.pointer) || null,
      });
    }
    return result.value;
  }
  // A path may end in a key the client sent (an unknown one): named cut and escaped, as the ingress does.
  const described = result.problems.map((problem) => `${shownParam(problem.path) || what}: ${problem.message}`);
  const first = result.problems[0];
  throw new GatewayError('invalid_request', `Invalid request ${what}: ${described.join('; ')}.`, {
    param: first ? shownParam(first.path) || null : null,
  });
}

/** An error about one field the schema cannot judge (a date, a duration). */
export function invalidField(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', `${param}: ${message}.`, { param });
}

/** Control characters: C0 (NUL, line breaks, ESC …), DEL and C1. */
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Invisible characters that reorder, hide or break the text around them: every format
 * character (Unicode Cf: the bidi embeddings, overrides and isolates U+202A–U+202E and
 * U+2066–U+2069, the direction marks U+200E, U+200F and U+061C, the zero-width space
 * U+200B, the word joiner U+2060, the byte order mark U+FEFF, the soft hyphen U+00AD,
 * the tag characters U+E0000–U+E007F …) and the line and paragraph separators (U+2028,
 * U+2029). The zero-width non-joiner and joiner (U+200C, U+200D) are kept: Persian and
 * other scripts need the one, emoji sequences (👩‍💻) the other, and neither hides text.
 */
const invisibleCharacter = /(?![\u200c\u200d])[\p{Cf}\u2028\u2029]/u;

/**
 * Unicode's noncharacters (U+FDD0–U+FDEF and the last two code points of every plane,
 * U+FFFE, U+FFFF … U+10FFFF): kept for a program's own use, never for text to interchange;
 * U+FFFE is a byte-swapped byte order mark to whatever reads the name next.
 */
const noncharacter = /[\ufdd0-\ufdef\ufffe\uffff]|[\u{1fffe}\u{1ffff}\u{2fffe}\u{2ffff}\u{3fffe}\u{3ffff}\u{4fffe}\u{4ffff}\u{5fffe}\u{5ffff}\u{6fffe}\u{6ffff}\u{7fffe}\u{7ffff}\u{8fffe}\u{8ffff}\u{9fffe}\u{9ffff}\u{afffe}\u{affff}\u{bfffe}\u{bffff}\u{cfffe}\u{cffff}\u{dfffe}\u{dffff}\u{efffe}\u{effff}\u{ffffe}\u{fffff}\u{10fffe}\u{10ffff}]/u;

/** Text of blanks only (spaces, no-break and ideographic spaces …), which reads as no name. */
const onlyBlanks = /^\s+$/u;

/** Text that begins or ends with a blank: it reads as the text without it, and is another. */
const paddedWithBlanks = /^\s|\s$/u;

const unfitTextProblems = {
  malformed: 'must be well-formed text (it holds a lone UTF-16 surrogate, as \\ud800 writes)',
  control: 'must not hold control characters (line breaks, tabs, NUL, ESC …)',
  invisible:
    'must not hold invisible format characters: bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), ' +
    'the zero-width space (U+200B), the byte order mark (U+FEFF), the soft hyphen (U+00AD), any other Unicode format (Cf) character but the ' +
    'zero-width non-joiner and joiner (U+200C, U+200D), or line separators (U+2028, U+2029)',
  noncharacter: 'must not hold Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF, the last two code points of each plane)',
  blank: 'must not be blank (spaces only)',
  padded: 'must not begin or end with a blank (a space, a no-break or ideographic space …)',
} as const;

type UnfitTextProblem = keyof typeof unfitTextProblems;

/**
 * Whether text can be a name, filter or id of the admin API: well-formed UTF-16 (a
 * lone surrogate, which JSON's `\ud800` can write, has no UTF-8 form, and SQLite and
 * PostgreSQL store UTF-8) and free of control characters (PostgreSQL's text cannot
 * hold NUL at all; a line break or ESC in a name would rewrite the CLI's tables and a
 * terminal's state). No admin field has a use for either.
 */
export function unfitTextProblem(text: string): UnfitTextProblem | undefined {
  if (!text.isWellFormed()) return 'malformed';
  return controlCharacter.test(text) ? 'control' : undefined;
}

/**
 * Whether text can be written as a name (a body's strings): fit text, and free of
 * invisible format characters and line separators too. A key named `invoice\u202efdp.exe`
 * reads as `invoiceexe.pdf` in logs, the CLI and the dashboard; `ops\u200b` looks like the
 * team `ops` and is another. Noncharacters and names of blanks only are refused too: a
 * team `' '` lists as no team, and so are names that begin or end with one: a key in team
 * `red ` reads as team `red` and is outside its rate limits and budget. Only what is
 * written is held to this: filters (queries) still find names stored before it was refused.
 */
function unfitWrittenTextProblem(text: string): UnfitTextProblem | undefined {
  const problem = unfitTextProblem(text);
  if (problem !== undefined) return problem;
  if (invisibleCharacter.test(text)) return 'invisible';
  if (noncharacter.test(text)) return 'noncharacter';
  if (onlyBlanks.test(text)) return 'blank';
  return paddedWithBlanks.test(text) ? 'padded' : undefined;
}

/**
 * The JSON pointer of the first name or string that is not fit text (see
 * `unfitTextProblem`), so it is refused here rather than failing in a store. The
 * schema has bounded the value's size; the walk stops at a depth no schema allows.
 */
function unfitTextAt(
  value: unknown,
  pointer: string,
  problemOf: (text: string) => UnfitTextProblem | undefined,
  depth = 0,
): { pointer: string; problem: UnfitTextProblem; text: string } | undefined {
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem === undefined ? undefined : { pointer, problem, text: value };
  }
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [name, member] of Object.entries(value)) {
    const at = `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const problem = problemOf(name);
    if (problem !== undefined) return { pointer: at, problem, text: name };
    const found = unfitTextAt(member, at, problemOf, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `U+200B`: how a character that cannot be seen is named. */
function codePointOf(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
