import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { putBackTextWhereStringWanted, type TextReadings } from './put-back-text.js';
import { suggestName } from './suggest-name.js';

/** One problem found in a value: where (a JSON Pointer) and what was expected. */
export interface ValidationProblem {
  /** JSON Pointer into the checked value, `''` for the value itself. */
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };

/**
 * Checks a value (filling in its defaults). With `readings`, a value among them that the schema
 * refuses for its type where it takes a string is put back as the text it was read from, in
 * place, as a default is filled in.
 */
export type Validator<T> = (value: unknown, readings?: TextReadings) => ValidationResult<T>;

/** A JSON Schema object, as plugins write them. */
export type JsonSchema = Record<string, unknown>;

// Ajv instances for the process: schemas are compiled once at start, never per request.
// The checking one stops at the first problem and keeps errors bare: an `if` that does
// not match (each message's other roles) still makes an error object, and with
// `allErrors` and `verbose` that made validating a valid body ~10x slower.
const checking = new Ajv({ allErrors: false, useDefaults: true, strict: false, coerceTypes: false, verbose: false });
// The explaining ones run only on a value the checking one refused, and `verbose` keeps
// each error's schema, so an unknown key can be told the names it may have meant. One says
// every problem (a config, fixed in one go); the other stops at the first, as the checking
// one does: every problem of a client's body of a million items with one at fault made
// millions of error objects, and held the event loop for tens of seconds.
const explainingEvery = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, verbose: true });
const explainingFirst = new Ajv({ allErrors: false, useDefaults: true, strict: false, coerceTypes: false, verbose: true });

/** How {@link compileValidator} explains a refused value. */
export interface CompileValidatorOptions {
  /**
   * `'first'` (the default) names the first problem (and the types of any `anyOf`
   * branches at it), at a cost bounded by the value's size up to that problem: safe
   * for what untrusted clients send. `'every'` names every problem, for what an
   * operator wrote (a config, fixed in one go); on a client's body of a million items
   * it makes millions of error objects and holds the event loop for seconds.
   */
  problems?: 'every' | 'first';
}

/**
 * Compiles a schema once and returns a function that checks a value, fills in its
 * defaults and explains its problems (the first, or every one: `options.problems`) in
 * words a user can act on.
 */
export function compileValidator<T>(schema: JsonSchema, options: CompileValidatorOptions = {}): Validator<T> {
  const explaining = options.problems === 'every' ? explainingEvery : explainingFirst;
  const check: ValidateFunction = checking.compile(schema);
  // Compiled on the first refusal, not at start: most processes never refuse a value of
  // most schemas, and an all-errors verbose validator of a request schema is ~100 KB of
  // generated source that V8 keeps alive for as long as the function is.
  let explain: ValidateFunction | undefined;
  return (value: unknown, readings?: TextReadings) => {
    if (check(value)) return { ok: true, value: value as T };
    explain ??= explaining.compile(schema);
    // Same schema, same defaults filled in: it refuses the value too, and says every reason.
    // A text put back is checked again; each is put back once, so this ends.
    while (!explain(value)) {
      if (!readings || !putBackTextWhereStringWanted(value, explain.errors ?? [], readings)) {
        return { ok: false, problems: describeErrors(explain.errors ?? []) };
      }
    }
    return { ok: true, value: value as T };
  };
}

function describeErrors(errors: ErrorObject[]): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const seen = new Set<string>();
  // `anyOf` branches each report the type they wanted; say it once: "expected string or array".
  const typesByPath = new Map<string, string[]>();
  const wholeValueProblems = new Set<ValidationProblem>();
  const typedPaths = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== 'type') continue;
    const types = typesByPath.get(error.instancePath) ?? [];
    types.push(...String((error.params as { type: unknown }).type).split(','));
    typesByPath.set(error.instancePath, types);
  }
  for (const error of errors) {
    if (error.keyword === 'type') {
      const types = typesByPath.get(error.instancePath);
      if (!types) continue;
      typesByPath.delete(error.instancePath);
      const problem = { path: error.instancePath, message: `expected ${joinAlternatives([...new Set(types)])}` };
      wholeValueProblems.add(problem);
      problems.push(problem);
      continue;
    }
    // `if/then`, `anyOf` and `propertyNames` wrappers repeat what their branches (or the name's own check) already said.
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'propertyNames') continue;
    if (typeSpecificKeywords.has(error.keyword)) typedPaths.add(error.instancePath);
    const problem = describeError(error);
    const key = `${problem.path}\0${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (error.keyword === 'enum' || error.keyword === 'const') wholeValueProblems.add(problem);
    problems.push(problem);
  }
  if (problems.length === 0 && errors[0]) problems.push(describeError(errors[0]));
  return withoutProblemsOfBranchesNotTaken(problems, wholeValueProblems, typedPaths);
}

/** Keywords ajv checks only on a value of one type: one failing says the value has that type. */
const typeSpecificKeywords: ReadonlySet<string> = new Set([
  'minItems', 'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains',
  'minLength', 'maxLength', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'required', 'minProperties', 'maxProperties', 'propertyNames', 'additionalProperties', 'dependentRequired',
]);

/**
 * An `anyOf` whose branch of the value's own type failed also reports what the other
 * branches wanted of the value as a whole ("expected string or null", "expected one of
 * 'auto', 'none'"): that is not what is wrong, the taken branch's problem is, and the
 * first problem is the one a 400 names. Left out: a type, enum or const problem with
 * another problem under its path (a `content` list with a block at fault, a tool choice
 * object with a bad name), and a type, enum or const problem beside one only a value of some
 * type can have (a `stop` list of five: "must NOT have more than 4 items"; `workers: 0`: "must be >= 1").
 */
function withoutProblemsOfBranchesNotTaken(
  problems: ValidationProblem[],
  wholeValueProblems: ReadonlySet<ValidationProblem>,
  typedPaths: ReadonlySet<string>,
): ValidationProblem[] {
  if (wholeValueProblems.size === 0) return problems;
  // Every path that has a problem beneath it, in one pass (a body may hold thousands of problems).
  const above = new Set<string>();
  for (const { path } of problems) {
    for (let cut = path.lastIndexOf('/'); cut >= 0; cut = path.lastIndexOf('/', cut - 1)) {
      const parent = path.slice(0, cut);
      if (above.has(parent)) break;
      above.add(parent);
      if (cut === 0) break;
    }
  }
  // A const or enum problem beside a typed one is another branch's too: `workers: 0` is "must be >= 1", not also 'expected "auto"'.
  return problems.filter((problem) => !(wholeValueProblems.has(problem) && (above.has(problem.path) || typedPaths.has(problem.path))));
}

function describeError(error: ErrorObject): ValidationProblem {
  // A key refused by `propertyNames` (a provider, model or price name): said at the key, not at its map.
  if (error.propertyName !== undefined) {
    return { path: `${error.instancePath}/${escapePointer(error.propertyName)}`, message: `is not a valid name: ${error.message ?? 'is invalid'}` };
  }
  const params = error.params as Record<string, unknown>;
  // YAML's `.nan` is a number no bound holds: ajv says both "must be >= 1" and "must be <= 100", which
  // contradict each other. One message for every bound (the same words, so said once).
  if (Number.isNaN(error.data) && numberBoundKeywords.has(error.keyword)) return { path: error.instancePath, message: 'is NaN (.nan), not a number' };
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((error.parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {});
      const suggestion = suggestName(key, allowed);
      return {
        path: `${error.instancePath}/${escapePointer(key)}`,
        message: `unknown key (not allowed here)${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      };
    }
    case 'required':
      return {
        path: `${error.instancePath}/${escapePointer(String(params['missingProperty']))}`,
        message: 'is required',
      };
    case 'enum':
      return {
        path: error.instancePath,
        message: `expected one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'minItems':
      return { path: error.instancePath, message: `expected at least ${String(params['limit'])} item(s)` };
    case 'const':
      return { path: error.instancePath, message: `expected ${JSON.stringify(params['allowedValue'])}` };
    default:
      return { path: error.instancePath, message: error.message ?? 'is invalid' };
  }
}

const numberBoundKeywords: ReadonlySet<string> = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']);

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function joinAlternatives(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** `/messages/0/role` → `messages[0].role`, the way OpenAI names a field in `error.param`. */
export function pointerToParam(pointer: string): string {
  let param = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    param += /^\d+$/.test(segment) ? `[${segment}]` : param ? `.${segment}` : segment;
  }
  return param;
}
