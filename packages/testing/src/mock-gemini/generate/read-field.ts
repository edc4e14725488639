/** A field of a request object in either spelling Gemini accepts (`toolConfig` or `tool_config`). */
export function readField(object: Record<string, unknown>, camelCaseName: string): unknown {
  const value = object[camelCaseName];
  if (value !== undefined) return value;
  return object[camelCaseName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)];
}
