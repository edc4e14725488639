import { isRecord } from '../../mock-server/is-record.js';

/** Fields of Gemini's `Schema` object (the OpenAPI 3 subset), camelCase. */
const schemaFields = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);
const types = new Set(['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);

/** Why Gemini would refuse a schema, and the field it would blame. */
export interface SchemaProblem {
  message: string;
  field: string;
}

/**
 * Checks a function's `parameters` the way Gemini parses them: JSON Schema keywords
 * outside its subset (`$ref`, `$defs`, `$schema`, `additionalProperties`, `const`,
 * `oneOf` …) are unknown fields, `type` must be one type name (no `["string", "null"]`),
 * `enum` values are strings, and the top-level object needs properties.
 */
export function checkGeminiSchema(schema: unknown, at: string, topLevel = false): SchemaProblem | undefined {
  if (!isRecord(schema)) return { message: `Invalid value at '${at}': expected an object.`, field: at };
  for (const key of Object.keys(schema)) {
    const camel = key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    if (!schemaFields.has(camel)) {
      return { message: `Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`, field: at };
    }
  }
  const type = schema['type'];
  if (type !== undefined && (typeof type !== 'string' || !types.has(type.toUpperCase()))) {
    return {
      message: `Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), ${JSON.stringify(type)}`,
      field: `${at}.type`,
    };
  }
  const values = schema['enum'];
  if (values !== undefined) {
    const bad = Array.isArray(values) ? values.findIndex((value) => typeof value !== 'string') : 0;
    if (bad !== -1) {
      return { message: `Invalid value at '${at}.enum[${bad}]' (TYPE_STRING), ${JSON.stringify(Array.isArray(values) ? values[bad] : values)}`, field: `${at}.enum` };
    }
  }
  const properties = isRecord(schema['properties']) ? schema['properties'] : undefined;
  if (topLevel && typeof type === 'string' && type.toUpperCase() === 'OBJECT' && (!properties || Object.keys(properties).length === 0)) {
    return { message: `* GenerateContentRequest.${at}.properties: should be non-empty for OBJECT type\n`, field: `${at}.properties` };
  }
  const required = schema['required'];
  if (Array.isArray(required)) {
    const missing = required.findIndex((name) => typeof name !== 'string' || !properties || !(name in properties));
    if (missing !== -1) return { message: `* GenerateContentRequest.${at}.required[${missing}]: property is not defined\n`, field: `${at}.required` };
  }
  for (const [name, property] of Object.entries(properties ?? {})) {
    const problem = checkGeminiSchema(property, `${at}.properties[${name}]`);
    if (problem) return problem;
  }
  if (schema['items'] !== undefined) {
    const problem = checkGeminiSchema(schema['items'], `${at}.items`);
    if (problem) return problem;
  }
  const anyOf = schema['anyOf'] ?? schema['any_of'];
  if (Array.isArray(anyOf)) {
    for (const [index, member] of anyOf.entries()) {
      const problem = checkGeminiSchema(member, `${at}.any_of[${index}]`);
      if (problem) return problem;
    }
  }
  return undefined;
}
