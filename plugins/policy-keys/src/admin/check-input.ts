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
  if (result.ok) return result.value;
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
