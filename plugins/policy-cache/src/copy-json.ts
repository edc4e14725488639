import { setField } from '@switchyard/core';

/**
 * A deep copy of a JSON value (what `JSON.parse` returns): new objects and arrays,
 * the same strings, numbers and booleans, which cannot be changed anyway. Cheaper
 * than parsing the text again, and it allocates no strings. A `__proto__` member
 * (which `JSON.parse` makes an own data member) is defined, never assigned: an
 * assignment would set the copy's prototype instead.
 */
export function copyJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) items[index] = copyJson(value[index]);
    return items as T;
  }
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const name in record) {
    setField(copy, name, copyJson(record[name]));
  }
  return copy as T;
}
