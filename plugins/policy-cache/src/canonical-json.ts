/**
 * JSON text that is the same for equal values whatever order their keys were
 * written in: object keys sorted at every depth (integer-like keys, which JSON text
 * from JavaScript always puts first, ascending), `undefined` members dropped (as
 * `JSON.stringify` drops them), array order kept.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedCopy(value)) ?? 'null';
}

// A copy with sorted keys handed to the native JSON.stringify once: the cache key is
// computed on every request, and building the text in JavaScript (a string or an
// array per member) made twice the garbage. A `__proto__` member is defined as data,
// never assigned (which would set the copy's prototype and drop it from the text).
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) items[index] = sortedCopy(value[index]);
    return items;
  }
  const record = value as Record<string, unknown>;
  // A plain literal, not Object.create(null): V8 keeps it a fast object, half the size.
  const copy: Record<string, unknown> = {};
  for (const name of sortedNames(Object.keys(record))) {
    const member = record[name];
    if (member === undefined || typeof member === 'function') continue;
    if (name === '__proto__') Object.defineProperty(copy, name, { value: sortedCopy(member), enumerable: true, writable: true, configurable: true });
    else copy[name] = sortedCopy(member);
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
