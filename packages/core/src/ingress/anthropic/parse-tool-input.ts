import { parseUpstreamJson } from '../../transport/parse-upstream-json.js';

/**
 * A tool call's JSON argument text as the object Anthropic's `tool_use.input` must
 * be. A provider that produced text that is not a JSON object (a truncated call),
 * or one nested past the upstream bound (the text is the provider's, inside a JSON
 * string no depth scan looked into), gets `{}`: the client's SDK cannot take
 * anything else there.
 */
export function parseToolInput(argumentsText: string): Record<string, unknown> {
  try {
    const value: unknown = parseUpstreamJson(argumentsText);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
