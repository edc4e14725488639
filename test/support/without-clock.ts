/** An answer's text without what the gateway stamps on each answer anew (ids, clocks, durations), to compare two answers. */
export function withoutClock(text: string): string {
  return text.replace(/"(id|created|created_at|message_id|duration_ms)":\s*("[^"]*"|\d+)/g, '"$1":0');
}
