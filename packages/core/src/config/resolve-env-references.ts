import type { ValidationProblem } from '../validation/compile-validator.js';
import { setField } from '../validation/set-field.js';

const referencePattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const wholeReference = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/**
 * Deepest nesting a config may have. The deepest real one (a budget of a team under
 * key-scope's options in the chain) is under ten levels; past this the value is refused
 * before anything recurses into it (ajv, the plugins, structuredClone for the workers).
 */
export const maxConfigDepth = 64;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed config. A
 * value that is one reference and resolves to a number (one that reads back as written:
 * not `0123` or twenty digits, which are keys) or a boolean becomes one, so
 * `port: ${PORT:-4000}` is an integer; its pointer and text go into `typedReferences`, for
 * validation to put the text back where the schema wants a string (an `api_key` of digits).
 * A missing variable without a default is a
 * problem, as is a `${` that starts no reference, reported with its path; so are a value that contains itself (a YAML alias
 * inside its own anchor, a cycle in a JavaScript config) and nesting deeper than
 * {@link maxConfigDepth}, either of which would otherwise overflow the stack.
 */
export function resolveEnvReferences(
  value: unknown,
  env: Record<string, string | undefined>,
  problems: ValidationProblem[],
  path = '',
  typedReferences?: Map<string, string>,
): unknown {
  return resolveValue(value, { env, problems, typedReferences }, path, []);
}

/**
 * The maps and lists this resolver made. Their strings are values already: a secret from the
 * environment may hold `${` (`pa${x}ss`), and reading it again, when a resolved config is
 * checked a second time (`switchyard start` checks the file, then builds the gateway from the
 * result), would expand it or refuse it. A second pass keeps them as they are.
 */
const resolvedObjects = new WeakSet<object>();

/** What every level of the walk shares. */
interface Resolution {
  env: Record<string, string | undefined>;
  problems: ValidationProblem[];
  typedReferences: Map<string, string> | undefined;
}

function resolveValue(value: unknown, resolution: Resolution, path: string, ancestors: object[]): unknown {
  const { problems } = resolution;
  if (typeof value === 'string') return resolveString(value, resolution, path);
  if (value !== null && typeof value === 'object') {
    if (resolvedObjects.has(value)) return value;
    // A YAML alias may repeat a map elsewhere (that is data); only inside itself is it a cycle.
    if (ancestors.includes(value)) {
      problems.push({ path, message: 'refers to itself (a YAML alias inside its own anchor): a config is a tree' });
      return undefined;
    }
    if (ancestors.length >= maxConfigDepth) {
      problems.push({ path, message: `nested deeper than ${maxConfigDepth} levels` });
      return undefined;
    }
  }
  const inside = () => [...ancestors, value as object];
  if (Array.isArray(value)) {
    const within = inside();
    return resolved(value.map((item, index) => resolveValue(item, resolution, `${path}/${index}`, within)));
  }
  const notData = notConfigData(value);
  if (notData !== undefined) {
    problems.push({ path, message: `${notData} is not a config value: a config is data (strings, numbers, booleans, lists and maps, as YAML or JSON write them)` });
    return undefined;
  }
  if (value && typeof value === 'object') {
    const within = inside();
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // A YAML key `__proto__` stays a key (setField), for the schema to refuse, instead of becoming the copy's prototype.
      setField(result, key, resolveValue(item, resolution, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, within));
    }
    return resolved(result);
  }
  return value;
}

function resolved<T extends object>(made: T): T {
  resolvedObjects.add(made);
  return made;
}

/**
 * What a value from a JavaScript config file is when YAML and JSON could not have written it:
 * a function, a symbol, a bigint, or an object of a class (a Date, a Map). Undefined for data.
 * Such a value would otherwise fail far from the file (a plugin copies its options, a cluster
 * worker receives the config as a copy) or be read as an empty map.
 */
function notConfigData(value: unknown): string | undefined {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol' || typeof value === 'bigint') return `a ${typeof value}`;
  if (value === null || typeof value !== 'object') return undefined;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return undefined;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object of a class';
}

/**
 * Whether what sits between `${` and `}` reads as a variable's name (`OPENAI_API_KEY`,
 * `database_url`) rather than a key pasted there, which a problem must not quote: Mistral's and
 * Cohere's keys, an Azure key starting with a letter, fit a name's characters. A name is upper
 * case, or holds no digit, and no run of 16 letters and digits holding one (a random key's).
 */
function readsAsName(text: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) return false;
  if (text.split('_').some((part) => part.length >= 16 && /\d/.test(part))) return false;
  return /^[A-Z0-9_]+$/.test(text) || !/\d/.test(text);
}

function resolveString(text: string, { env, problems, typedReferences }: Resolution, path: string): unknown {
  if (!text.includes('${')) return text;
  // `${OPENAI-API-KEY}`, `${}`, `${KEY` or `${KEY-default}` matched no reference and stayed in the value
  // as its text: validate said "valid" and the provider was sent "${OPENAI-API-KEY}" as the key.
  // Not quoted: what sits between the braces may be the secret itself.
  if (text.replace(referencePattern, '').includes('${')) {
    problems.push({
      path,
      message: 'holds a "${" that is not a variable reference: write ${NAME} or ${NAME:-default}, NAME of letters, digits and _ (not starting with a digit)',
    });
    return '';
  }
  const resolved = text.replace(referencePattern, (_match, name: string, fallback: string | undefined) => {
    // `${A:-${B}}` reads as the default `${B` and a stray `}`: the value was the text "${B}".
    if (fallback?.includes('${')) {
      const quoted = readsAsName(name) && readsAsName(fallback.slice(fallback.indexOf('${') + 2)) && !fallback.slice(0, fallback.indexOf('${')).trim();
      problems.push({
        path,
        message: quoted ? `a default cannot hold another variable (\${${name}:-${fallback}}}); set ${name} itself` : 'a default cannot hold another variable; set the variable itself',
      });
      return '';
    }
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (fallback !== undefined) return fallback;
    problems.push({
      path,
      message: readsAsName(name)
        ? `environment variable ${name} is not set (write \${${name}:-default} for a default)`
        : 'the environment variable named between ${ and } is not set (if that is the value itself, not its name: put the value in a variable and write ${NAME})',
    });
    return '';
  });
  if (!wholeReference.test(text)) return resolved;
  const typed = readAsType(resolved);
  if (typed !== resolved) typedReferences?.set(path, resolved);
  return typed;
}

/** A number when it reads back as written (`0123…` or twenty digits is a key, not a number), a boolean, else the text. */
function readAsType(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text) && String(Number(text)) === text) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
