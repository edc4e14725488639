import { setField } from '@switchyard/core';

/**
 * JSON text that is the same for equal values whatever order their keys were
 * written in: object keys sorted at every depth (integer-like keys, which JSON text
 * from JavaScript always puts first, ascending), `undefined` members dropped (as
 * `JSON.stringify` drops them), array order kept. `omitted` names members of the
 * top-level object to leave out, so a caller need not copy the object to drop them.
 */
export function canonicalJson(value: unknown, omitted?: ReadonlySet<string>): string {
  return JSON.stringify(canonicalCopy(value, omitted)) ?? 'null';
}

/**
 * The copy of `value` that `JSON.stringify` turns into its canonical JSON, for a
 * caller that puts it inside a larger value and stringifies that once. Handing a
 * sorted copy to the native JSON.stringify is cheaper than building the text in
 * JavaScript (a string or an array per member made twice the garbage): this runs on
 * every request. A `__proto__` member is defined as data, never assigned (which
 * would set the copy's prototype and drop it from the text).
 */
export function canonicalCopy(value: unknown, omitted?: ReadonlySet<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) items[index] = canonicalCopy(value[index]);
    return items;
  }
  const record = value as Record<string, unknown>;
  // A plain literal, not Object.create(null): V8 keeps it a fast object, half the size.
  const copy: Record<string, unknown> = {};
  for (const name of sortedNames(Object.keys(record))) {
    const member = record[name];
    if (member === undefined || typeof member === 'function' || omitted?.has(name)) continue;
    setField(copy, name, canonicalCopy(member));
  }
  return copy;
}

/**
 * The names in the order `Array.prototype.sort()` gives (UTF-16 code units). Request
 * objects have a handful of keys; an insertion sort in place spares the work array
 * V8's sort allocates on every call.
 */
function sortedNames(names: string[]): string[] {
  if (names.length > 16) return names.sort();
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    while (j >= 0 && names[j]! > name) {
      names[j + 1] = names[j]!;
      j--;
    }
    names[j + 1] = name;
  }
  return names;
}
