import { GatewayError, setField, isJsonObject } from '@switchyard/core';

/** What {@link convertJsonSchemaForGemini} made of a schema. */
export interface GeminiSchemaConversion {
  /** The schema in Gemini's OpenAPI 3 subset. */
  schema: Record<string, unknown>;
  /**
   * Every keyword that was dropped because Gemini refuses it, as a JSON pointer into
   * the converted schema (`/properties/address/additionalProperties`). Keywords that
   * were rewritten rather than lost (`$ref`, `oneOf`, `const`, `type: [x, "null"]`)
   * are not listed.
   */
  removed: string[];
}

/**
 * How many schema objects one request's schemas (every tool's parameters and the
 * response format together) may come to once their `$ref`s are inlined. Inlining
 * copies a definition at every use, so definitions that each use the next twice grow
 * as 2ⁿ: 1.7 KB of `$defs` took 4.7 s of CPU and 15 MB, a little more would have run
 * the process out of memory. A schema without references comes to as many objects as
 * it has; OpenAI's own bound for a structured-output schema is 5,000 properties.
 */
export const maxConvertedSchemaNodes = 25_000;

/**
 * How deep a converted schema may be, counting each `$ref` inlined on the way: a chain
 * of 5,000 definitions each holding the next (340 KB) overflowed the stack (a 500), and
 * a chain of aliases (`A0` is `{$ref: A1}` …) went as deep without nesting at all. The
 * body's own nesting is bounded by `limits.max_json_depth` (64), two levels a schema.
 */
export const maxConvertedSchemaDepth = 64;

/**
 * How many characters of names and values (property names, descriptions, enums …) one
 * request's schemas may spell once their `$ref`s are inlined: the nodes alone do not bound
 * the bytes, since each copy of a definition repeats its texts. A 100,000-character name in a
 * definition used 2,000 times (157 KB) made a 200 MB body for Gemini; used 8,000 times, a body
 * past what a string holds (14 s of CPU, then a 500). About the default body limit (4 MB):
 * a schema without references spells less than the body it came in.
 */
export const maxConvertedSchemaChars = 4_000_000;

/** What is left of a request's `maxConvertedSchemaNodes` and `maxConvertedSchemaChars`, shared by its schemas. */
export interface SchemaNodeBudget {
  remaining: number;
  remainingChars: number;
}

export function schemaNodeBudget(): SchemaNodeBudget {
  return { remaining: maxConvertedSchemaNodes, remainingChars: maxConvertedSchemaChars };
}

/** Keywords of Gemini's `Schema` object that are kept as they are. */
const keptKeywords = new Set([
  'type',
  'title',
  'description',
  'nullable',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'propertyOrdering',
]);

/** Keywords consumed while converting (inlined, merged or rewritten), never reported. */
const consumedKeywords = new Set(['$ref', '$defs', 'definitions', 'allOf', 'anyOf', 'oneOf', 'const', 'enum', 'format', 'properties', 'items', 'required']);

/**
 * The Gemini Developer API refuses `format` values outside this list (the Firebase
 * AI docs say requests fail), whatever the looser wording of the API reference.
 */
const allowedFormats: Record<string, readonly string[]> = {
  string: ['enum', 'date-time'],
  number: ['float', 'double'],
  integer: ['int32', 'int64'],
};

/**
 * JSON Schema (as OpenAI clients write it) → the OpenAPI 3 subset Gemini accepts in
 * `functionDeclarations[].parameters` and `responseSchema`.
 *
 * - `$ref` into `$defs` / `definitions` (or anywhere in the schema) is inlined; a
 *   reference back into itself is cut and reported, since Gemini has no recursion.
 * - `oneOf` becomes `anyOf`; `anyOf: [X, {type: "null"}]` becomes X with `nullable`;
 *   `allOf` is merged into one schema.
 * - `type: ["string", "null"]` becomes `type: "string"` + `nullable: true`.
 * - `const` becomes a one-value `enum`; non-string enums (Gemini's are strings) are dropped.
 * - Everything else Gemini does not know (`additionalProperties`, `$schema`, `default`,
 *   `examples`, `pattern`, unsupported `format` values …) is removed and listed.
 */
export function convertJsonSchemaForGemini(
  schema: Record<string, unknown>,
  budget: SchemaNodeBudget = schemaNodeBudget(),
  param = 'tools',
): GeminiSchemaConversion {
  const removed: string[] = [];
  const converted = convertNode(schema, '', { root: schema, removed, refStack: [], budget, param }, 0);
  return { schema: converted, removed };
}

interface ConversionState {
  root: Record<string, unknown>;
  removed: string[];
  /** References being inlined on the way to this node, to cut cycles. */
  refStack: string[];
  /** Shared by every schema of the request (copies of the state share the object). */
  budget: SchemaNodeBudget;
  /** The request field the schema came from, for the refusal. */
  param: string;
}

function convertNode(input: unknown, pointer: string, state: ConversionState, depth: number): Record<string, unknown> {
  // `true` (anything) has no Gemini spelling but an empty schema; `false` cannot be said at all.
  if (!isJsonObject(input)) return {};
  if (--state.budget.remaining < 0) {
    throw tooLarge(state, `come to more than ${maxConvertedSchemaNodes.toLocaleString('en-US')} schema objects`);
  }
  if (depth > maxConvertedSchemaDepth) throw tooLarge(state, `nest deeper than ${maxConvertedSchemaDepth} levels`);
  let node = input;

  const ref = node['$ref'];
  if (typeof ref === 'string') {
    const { $ref: _ref, ...siblings } = node;
    const target = state.refStack.includes(ref) ? undefined : resolveReference(state.root, ref);
    if (target === undefined) {
      // A cycle, or a reference outside this schema: what it pointed at is lost.
      state.removed.push(`${pointer}/$ref`);
      node = Object.keys(siblings).length > 0 ? siblings : { type: 'object' };
    } else {
      // Keywords beside the reference (a description, mostly) describe this use of it and win.
      return convertNode({ ...target, ...siblings }, pointer, { ...state, refStack: [...state.refStack, ref] }, depth + 1);
    }
  }

  // Merged first, then converted again: a member may bring a `$ref` or an `allOf` of its own.
  if (Array.isArray(node['allOf'])) {
    const { merged, inlined } = mergeAllOf(node, pointer, state);
    return convertNode(merged, pointer, { ...state, refStack: [...state.refStack, ...inlined] }, depth + 1);
  }

  const output: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (keptKeywords.has(keyword)) {
      output[keyword] = value;
      spendChars(state, keyword.length + textSize(value));
    } else if (!consumedKeywords.has(keyword)) state.removed.push(`${pointer}/${escapePointer(keyword)}`);
  }

  convertType(output);
  convertEnum(node, output, pointer, state);
  convertFormat(node, output, pointer, state);

  if (isJsonObject(node['properties'])) {
    const properties: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(node['properties'])) {
      spendChars(state, name.length);
      // A property named `__proto__` stays a property (setField), not the map's prototype.
      setField(properties, name, convertNode(property, `${pointer}/properties/${escapePointer(name)}`, state, depth + 1));
    }
    // Gemini refuses an OBJECT with an empty `properties` map.
    if (Object.keys(properties).length > 0) output['properties'] = properties;
  }
  if (Array.isArray(node['required'])) {
    const properties = isJsonObject(output['properties']) ? output['properties'] : {};
    const required = node['required'].filter((name): name is string => typeof name === 'string' && Object.hasOwn(properties, name));
    if (required.length !== node['required'].length) state.removed.push(`${pointer}/required`);
    if (required.length > 0) output['required'] = required;
    for (const name of required) spendChars(state, name.length);
  }
  if (isJsonObject(node['items'])) output['items'] = convertNode(node['items'], `${pointer}/items`, state, depth + 1);
  else if (node['items'] !== undefined) state.removed.push(`${pointer}/items`);

  const alternatives = [
    ...listOf(node['anyOf']).map((member, index) => ({ member, at: `${pointer}/anyOf/${index}` })),
    ...listOf(node['oneOf']).map((member, index) => ({ member, at: `${pointer}/oneOf/${index}` })),
  ];
  return alternatives.length > 0 ? convertAlternatives(output, alternatives, state, depth + 1) : output;
}

/** `type: ["string", "null"]` → `type: "string"` + `nullable`; several types → `anyOf`. */
function convertType(output: Record<string, unknown>): void {
  const type = output['type'];
  if (!Array.isArray(type)) return;
  const types = type.filter((name) => name !== 'null');
  if (types.length < type.length) output['nullable'] = true;
  if (types.length === 1) output['type'] = types[0];
  else {
    delete output['type'];
    if (types.length > 1) output['anyOf'] = types.map((name) => ({ type: name }));
  }
}

function convertEnum(node: Record<string, unknown>, output: Record<string, unknown>, pointer: string, state: ConversionState): void {
  let values: unknown[] | undefined;
  if ('const' in node) {
    if (typeof node['const'] === 'string') values = [node['const']];
    else state.removed.push(`${pointer}/const`);
  } else if (Array.isArray(node['enum'])) {
    values = node['enum'];
  }
  if (!values) return;
  const strings = values.filter((value) => value !== null);
  if (strings.length < values.length) output['nullable'] = true;
  // Gemini's enum is a list of strings; numbers would fail the whole request.
  if (!strings.every((value) => typeof value === 'string')) {
    state.removed.push(`${pointer}/${'const' in node ? 'const' : 'enum'}`);
    return;
  }
  output['enum'] = strings;
  for (const value of strings) spendChars(state, (value as string).length);
  output['type'] ??= 'string';
}

function convertFormat(node: Record<string, unknown>, output: Record<string, unknown>, pointer: string, state: ConversionState): void {
  const format = node['format'];
  if (format === undefined) return;
  const type = typeof output['type'] === 'string' ? output['type'].toLowerCase() : undefined;
  // Own keys only: the type is the client's (`constructor` would read Object and throw on `includes`).
  const allowed = type !== undefined && Object.hasOwn(allowedFormats, type) ? allowedFormats[type] : undefined;
  if (typeof format === 'string' && allowed?.includes(format)) output['format'] = format;
  else state.removed.push(`${pointer}/format`);
}

function convertAlternatives(
  output: Record<string, unknown>,
  alternatives: Array<{ member: unknown; at: string }>,
  state: ConversionState,
  depth: number,
): Record<string, unknown> {
  let nullable = false;
  const members: Array<Record<string, unknown>> = [];
  for (const { member, at } of alternatives) {
    if (isJsonObject(member) && member['type'] === 'null') {
      nullable = true;
      continue;
    }
    members.push(convertNode(member, at, state, depth));
  }
  const result = { ...output };
  if (members.length === 1) {
    // The common `X | null` (Pydantic's Optional[X]): one schema, marked nullable.
    Object.assign(result, { ...members[0], ...output });
  } else if (members.length > 1) {
    result['anyOf'] = members;
  }
  if (nullable) result['nullable'] = true;
  return result;
}

/** `allOf: [A, B]` → one schema with A's and B's properties and requirements. */
function mergeAllOf(
  node: Record<string, unknown>,
  pointer: string,
  state: ConversionState,
): { merged: Record<string, unknown>; inlined: string[] } {
  const { allOf, ...rest } = node;
  const merged: Record<string, unknown> = { ...rest };
  const inlined: string[] = [];
  for (const [index, member] of listOf(allOf).entries()) {
    if (!isJsonObject(member)) continue;
    const { $ref: ref, ...siblings } = member;
    let resolved = siblings;
    if (typeof ref === 'string') {
      const target = state.refStack.includes(ref) ? undefined : resolveReference(state.root, ref);
      if (target === undefined) state.removed.push(`${pointer}/allOf/${index}/$ref`);
      else {
        resolved = { ...target, ...siblings };
        inlined.push(ref);
      }
    }
    for (const [keyword, value] of Object.entries(resolved)) {
      if (keyword === '$ref') {
        // A reference inside the referenced schema: kept for convertNode to inline.
        if (!('$ref' in merged)) merged['$ref'] = value;
        continue;
      }
      if (keyword === 'properties' && isJsonObject(value)) {
        merged['properties'] = { ...(isJsonObject(merged['properties']) ? merged['properties'] : {}), ...value };
      } else if (keyword === 'required' && Array.isArray(value)) {
        merged['required'] = [...new Set([...listOf(merged['required']), ...value])];
      } else if (!(keyword in merged)) {
        merged[keyword] = value;
      }
    }
  }
  return { merged, inlined };
}

/** Follows a local reference (`#`, `#/$defs/Name`, any JSON pointer into the root). */
function resolveReference(root: Record<string, unknown>, ref: string): Record<string, unknown> | undefined {
  if (!ref.startsWith('#')) return undefined;
  let target: unknown = root;
  for (const token of ref.slice(1).split('/').slice(1)) {
    const key = decodedToken(token);
    // A token that is not valid percent-encoding (`%E0`) names nothing: threw URIError, a 500.
    if (key === undefined) return undefined;
    // Own members only: `#/$defs/__proto__` must not resolve to Object.prototype.
    if (!isJsonObject(target) || !Object.hasOwn(target, key)) return undefined;
    target = target[key];
  }
  return isJsonObject(target) ? target : undefined;
}

/** Counts characters the converted schemas spell against the request's `maxConvertedSchemaChars`. */
function spendChars(state: ConversionState, chars: number): void {
  state.budget.remainingChars -= chars;
  if (state.budget.remainingChars < 0) {
    throw tooLarge(state, `spell more than ${maxConvertedSchemaChars.toLocaleString('en-US')} characters of names and values`);
  }
}

/** The characters a kept keyword's value spells: a string's length, else its JSON's (a title may be any JSON). */
function textSize(value: unknown): number {
  return typeof value === 'string' ? value.length : (JSON.stringify(value)?.length ?? 0);
}

/** A refusal of schemas that inlining would make too large or too deep: they are the client's, so a 400. */
function tooLarge(state: ConversionState, what: string): GatewayError {
  return new GatewayError('invalid_request', `The request's JSON schemas ${what} once their $refs are inlined (Gemini takes no references); use each definition in fewer places.`, {
    param: state.param,
    provider: 'gemini',
  });
}

function decodedToken(token: string): string | undefined {
  try {
    return decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
  } catch {
    return undefined;
  }
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
