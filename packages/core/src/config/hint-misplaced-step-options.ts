import type { ValidationProblem } from '../validation/compile-validator.js';
import { defaultChain } from './gateway-config.js';

/** The built-in steps, whose options are given in their entry of `chain:`. */
const builtInSteps = new Set<string>([...defaultChain.filter((entry): entry is string => typeof entry === 'string'), 'cache']);

/**
 * A top-level key named after a built-in step (`key-scope: { budgets: … }`, an inline example
 * copied to the top of a file) is an unknown key to the schema; the problem says where a
 * step's options go instead, since "unknown key" alone left the user guessing.
 */
export function hintMisplacedStepOptions(problem: ValidationProblem): ValidationProblem {
  const key = problem.path.slice(1);
  if (!problem.message.startsWith('unknown key') || !builtInSteps.has(key) || problem.path !== `/${key}`) return problem;
  return { ...problem, message: `is a step of the chain, not a top-level key: give its options in its entry under chain: ('- ${key}: { … }')` };
}
