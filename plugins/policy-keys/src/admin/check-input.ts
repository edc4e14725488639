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
    const malformed = malformedTextAt(result.value, '');
    if (malformed !== undefined) {
      const param = pointerToParam(malformed) || what;
      throw new GatewayError('invalid_request', `Invalid request ${what}: ${param}: must be well-formed text (it holds a lone UTF-16 surrogate, as \\ud800 writes).`, {
        param: pointerToParam(malformed) || null,
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

/**
 * The JSON pointer of the first name or string that is not well-formed UTF-16 (a lone
 * surrogate, which JSON's `\ud800` can write): no store can keep it as it came
 * (SQLite and PostgreSQL store UTF-8), so it is refused here rather than failing there.
 * The schema has bounded the value's size; the walk stops at a depth no schema allows.
 */
function malformedTextAt(value: unknown, pointer: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : pointer;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [name, member] of Object.entries(value)) {
    const at = `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!name.isWellFormed()) return at;
    const found = malformedTextAt(member, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
