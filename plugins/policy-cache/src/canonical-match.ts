/**
 * Comparing a value with a canonical copy (`canonicalCopy`) without building its
 * canonical JSON: a cheap fingerprint to find a candidate, then a walk that says
 * whether the value's canonical JSON would be the candidate's. Neither allocates.
 * Both read values as `canonicalCopy` does: object key order does not matter,
 * `undefined` and function members are left out, and `omitted` names members of
 * the top-level object to leave out.
 */

/** A 32-bit number that values with the same canonical JSON share (others rarely). */
export function canonicalFingerprint(value: unknown, omitted?: ReadonlySet<string>): number {
  if (typeof value === 'string') return stringFingerprint(value);
  if (typeof value === 'number') return Math.imul(value | 0, 0x2c1b3c6d) ^ Math.imul((value * 0x10000) | 0, 0x297a2d39);
  if (typeof value === 'boolean') return value ? 0x1b873593 : 0x5bd1e995;
  if (value === null || typeof value !== 'object') return 0x68e31da4;
  if (Array.isArray(value)) {
    let fingerprint = 0x3c6ef372 ^ value.length;
    for (let index = 0; index < value.length; index++) fingerprint = Math.imul(fingerprint ^ canonicalFingerprint(value[index]), 0x01000193);
    return fingerprint;
  }
  // Members are summed, so their order does not change the fingerprint.
  let fingerprint = 0x7f4a7c15;
  const record = value as Record<string, unknown>;
  for (const name in record) {
    const member = record[name];
    if (member === undefined || typeof member === 'function' || omitted?.has(name)) continue;
    fingerprint = (fingerprint + Math.imul(stringFingerprint(name) ^ Math.imul(canonicalFingerprint(member), 0x85ebca6b), 0xc2b2ae35)) | 0;
  }
  return fingerprint;
}

/** FNV-1a over the UTF-16 code units. */
export function stringFingerprint(text: string): number {
  let fingerprint = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) fingerprint = Math.imul(fingerprint ^ text.charCodeAt(index), 0x01000193);
  return fingerprint;
}

/**
 * Whether `value`'s canonical copy would equal `copy`, a canonical copy made earlier,
 * so both have the same canonical JSON. Strict: primitives must be identical, so a
 * value that only serializes the same (`NaN` and `null`) does not match.
 */
export function matchesCanonicalCopy(value: unknown, copy: unknown, omitted?: ReadonlySet<string>): boolean {
  if (value === copy) return true;
  if (value === null || copy === null || typeof value !== 'object' || typeof copy !== 'object') return false;
  if (Array.isArray(value)) {
    if (!Array.isArray(copy) || value.length !== copy.length) return false;
    for (let index = 0; index < value.length; index++) if (!matchesCanonicalCopy(value[index], copy[index])) return false;
    return true;
  }
  if (Array.isArray(copy)) return false;
  const record = value as Record<string, unknown>;
  const copied = copy as Record<string, unknown>;
  let members = 0;
  for (const name in record) {
    const member = record[name];
    if (member === undefined || typeof member === 'function' || omitted?.has(name)) continue;
    if (!Object.hasOwn(copied, name) || !matchesCanonicalCopy(member, copied[name])) return false;
    members++;
  }
  // Every member of the value is in the copy; the copy must have no others.
  for (const name in copied) if (Object.hasOwn(copied, name)) members--;
  return members === 0;
}
