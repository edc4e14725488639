import { GatewayError, pointerToParam, type Validator } from '@switchyard/core';

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
      throw new GatewayError('invalid_request', `Invalid request ${what}: ${param}: ${unfitTextProblems[unfit.problem]}.`, {
        param: pointerToParam(unfit.pointer) || null,
      });
    }
    return result.value;
  }
  const described = result.problems.map((problem) => `${pointerToParam(problem.path) || what}: ${problem.message}`);
  const first = result.problems[0];
  throw new GatewayError('invalid_request', `Invalid request ${what}: ${described.join('; ')}.`, {
    param: first ? pointerToParam(first.path) || null : null,
  });
}

/** An error about one field the schema cannot judge (a date, a duration). */
export function invalidField(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', `${param}: ${message}.`, { param });
}

/** Control characters: C0 (NUL, line breaks, ESC …), DEL and C1. */
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Invisible characters that reorder or break the text around them: bidi embeddings,
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069), the direction marks (U+200E,
 * U+200F, U+061C) and the line and paragraph separators (U+2028, U+2029).
 */
const bidiOrSeparator = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]/;

const unfitTextProblems = {
  malformed: 'must be well-formed text (it holds a lone UTF-16 surrogate, as \\ud800 writes)',
  control: 'must not hold control characters (line breaks, tabs, NUL, ESC …)',
  bidi: 'must not hold bidirectional controls or line separators (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C, U+2028, U+2029)',
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
 * Whether text can be written as a name (a body's strings): fit text, and free of bidi
 * controls and line separators too. A key named `invoice\u202efdp.exe` reads as
 * `invoiceexe.pdf` in logs, the CLI and the dashboard. Only what is written is held to
 * this: filters (queries) still find names stored before it was refused.
 */
function unfitWrittenTextProblem(text: string): UnfitTextProblem | undefined {
  return unfitTextProblem(text) ?? (bidiOrSeparator.test(text) ? 'bidi' : undefined);
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
): { pointer: string; problem: UnfitTextProblem } | undefined {
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem === undefined ? undefined : { pointer, problem };
  }
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [name, member] of Object.entries(value)) {
    const at = `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const problem = problemOf(name);
    if (problem !== undefined) return { pointer: at, problem };
    const found = unfitTextAt(member, at, problemOf, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
