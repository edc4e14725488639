/**
 * JSON text that is the same for equal values whatever order their keys were
 * written in: object keys sorted at every depth, `undefined` members dropped (as
 * `JSON.stringify` drops them), array order kept.
 */
export function canonicalJson(value: unknown): string {
  return appendCanonical('', value);
}

// One string grown by concatenation (V8 keeps it as a rope until the hash reads it)
// instead of an array of member strings per object joined at every level: the cache
// key is computed on every request, and the arrays and joins were its main garbage.
function appendCanonical(out: string, value: unknown): string {
  if (value === null || typeof value !== 'object') return out + (JSON.stringify(value) ?? 'null');
  if (Array.isArray(value)) {
    out += '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out += ',';
      const item: unknown = value[index];
      out = item === undefined ? `${out}null` : appendCanonical(out, item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const names = sortedNames(Object.keys(record));
  out += '{';
  let first = true;
  for (const name of names) {
    const member = record[name];
    if (member === undefined || typeof member === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(name)}:`;
    first = false;
    out = appendCanonical(out, member);
  }
  return `${out}}`;
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
