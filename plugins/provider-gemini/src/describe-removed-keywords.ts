/** Removed keywords named one by one; past these, only counted. */
const maxListed = 10;
/** A pointer longer than this keeps its start and its end (the keyword): it spells the client's property names. */
const maxPointerLength = 200;

/**
 * What a warning says of the keywords removed from a schema: `removed /a, /b`, the
 * first ten and how many more, each pointer cut in the middle. Each pointer spells
 * every property name above its keyword, so a 47 KB schema of long names over a
 * thousand removed keywords listed whole was a 25 MB log line, and 3 MB of names a
 * string too long to build (a 500).
 */
export function describeRemovedKeywords(removed: readonly string[]): string {
  const listed = removed.slice(0, maxListed).map(shownPointer).join(', ');
  const more = removed.length - maxListed;
  return more > 0 ? `removed ${listed} and ${more.toLocaleString('en-US')} more` : `removed ${listed}`;
}

function shownPointer(pointer: string): string {
  if (pointer.length <= maxPointerLength) return pointer;
  const half = maxPointerLength / 2;
  return `${pointer.slice(0, half)}…${pointer.slice(-half)}`;
}
