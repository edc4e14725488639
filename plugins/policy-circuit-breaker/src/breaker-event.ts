/** What one instance tells the others on the breaker channel. */
export type BreakerEvent =
  | { event: 'open'; deployment: string; open_ms: number; hold_ms: number }
  | { event: 'close'; deployment: string };

/** Longest deployment name that is shared; longer ones stay per process. */
export const maxSharedNameLength = 512;
const maxEventBytes = 2048;
const maxMs = 2 * 86_400_000;

/**
 * Parses a message from the channel; undefined for anything malformed. Anyone who
 * can publish on the Redis may send it, so sizes, names and numbers are checked.
 */
export function parseBreakerEvent(message: string): BreakerEvent | undefined {
  if (message.length > maxEventBytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { event, deployment, open_ms, hold_ms } = value as Record<string, unknown>;
  if (!isSharedName(deployment)) return undefined;
  if (event === 'close') return { event, deployment };
  if (event === 'open' && isDuration(open_ms) && isDuration(hold_ms)) return { event, deployment, open_ms, hold_ms };
  return undefined;
}

/** Whether a deployment name may become part of a Redis key and an event. */
export function isSharedName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= maxSharedNameLength;
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxMs;
}
