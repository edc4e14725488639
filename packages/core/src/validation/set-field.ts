/**
 * `target[name] = value` for a name someone outside chose (a client's field, an
 * upstream's, a config key): `__proto__` becomes an own field, as `JSON.parse` makes
 * it, instead of replacing the object's prototype (and vanishing from its JSON).
 */
export function setField(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}
