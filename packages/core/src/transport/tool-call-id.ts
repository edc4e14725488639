import { createHash } from 'node:crypto';

/** What Anthropic (`tool_use.id`) and Bedrock Converse (`toolUseId`) accept for a call's id. */
const plainToolCallId = /^[a-zA-Z0-9_-]+$/;

/**
 * A call's id in the `[a-zA-Z0-9_-]+` pattern Anthropic and Bedrock require (any other is
 * a 400). An id another provider or a client made (`functions.get_weather:0`, `call.1`),
 * or one past `maxLength`, has its other characters replaced and a digest of the whole
 * appended: two ids that differ only there stay two, and a call and its result, both
 * written with this, still pair. The client never sees these: they name calls of its history.
 */
export function toPlainToolCallId(id: string, maxLength = Infinity): string {
  if (id.length <= maxLength && plainToolCallId.test(id)) return id;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 12);
  return `${id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, maxLength - digest.length - 1)}_${digest}`;
}
