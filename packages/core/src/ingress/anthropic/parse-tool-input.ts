/**
 * A tool call's JSON argument text as the object Anthropic's `tool_use.input` must
 * be. A provider that produced text that is not a JSON object (a truncated call)
 * gets `{}`: the client's SDK cannot take anything else there.
 */
export function parseToolInput(argumentsText: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(argumentsText);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
