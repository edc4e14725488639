import { setField } from './set-field.js';

/** The keys of a JSON Pointer (`/headers/x~1y` → `['headers', 'x/y']`); `''` is the value itself. */
function pointerKeys(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value a JSON Pointer names in `value`, by own keys only; undefined where there is none. */
export function valueAtPointer(value: unknown, pointer: string): unknown {
  let at = value;
  for (const key of pointerKeys(pointer)) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Replaces the value a JSON Pointer names in `value`, where there is one; returns whether it did. */
export function replaceAtPointer(value: unknown, pointer: string, replacement: unknown): boolean {
  const cut = pointer.lastIndexOf('/');
  if (cut === -1) return false;
  const parent = valueAtPointer(value, pointer.slice(0, cut));
  const [key] = pointerKeys(pointer.slice(cut));
  if (key === undefined || parent === null || typeof parent !== 'object' || !Object.hasOwn(parent, key)) return false;
  setField(parent as Record<string, unknown>, key, replacement);
  return true;
}
