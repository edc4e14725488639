/**
 * A lone UTF-16 surrogate (half of a pair, as JSON's `"\ud800"` gives) has no UTF-8
 * form: better-sqlite3 writes it as three bytes that are not UTF-8 and reads them back
 * as three U+FFFD, so the text read is not the text written, and no longer finds its row.
 */

/** A name the caller chose (a key's name, team, audit actor): refused unless SQLite can keep it as it is. */
export function checkedText<T>(value: T, field: string): T {
  if (typeof value === 'string' && !value.isWellFormed()) throw new TypeError(`${field} is not well-formed text: it holds a lone UTF-16 surrogate`);
  return value;
}

/**
 * Text recorded as it came (a usage record's model name from a client's request):
 * never refused, since one bad record must not hold up a whole batch; each lone
 * surrogate is kept as one U+FFFD, what the text then reads back as.
 */
export function wellFormedText<T>(value: T): T {
  return typeof value === 'string' && !value.isWellFormed() ? (value.toWellFormed() as T) : value;
}
