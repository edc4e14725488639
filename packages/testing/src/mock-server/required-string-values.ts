import { isRecord } from './is-record.js';

/**
 * Values for a JSON schema's required string properties, each the given text, so
 * a default tool call or structured answer validates against simple schemas. Other
 * properties are left out. `isStringType` reads a property's `type`; Gemini's
 * schemas spell it in capitals.
 */
export function requiredStringValues(schema: unknown, text: string, isStringType = isJsonSchemaString): Record<string, string> {
  const values: Record<string, string> = {};
  if (!isRecord(schema) || !Array.isArray(schema['required'])) return values;
  const properties = isRecord(schema['properties']) ? schema['properties'] : {};
  for (const name of schema['required']) {
    if (typeof name !== 'string') continue;
    const property = properties[name];
    if (isRecord(property) && isStringType(property['type'])) values[name] = text;
  }
  return values;
}

/** JSON Schema's `"string"`, alone or in a list of types. */
export function isJsonSchemaString(type: unknown): boolean {
  return type === 'string' || (Array.isArray(type) && type.includes('string'));
}
