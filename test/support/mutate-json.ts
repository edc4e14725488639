import { toJsonText } from './hostile-json.js';

export type JsonPath = Array<string | number>;

/** Every node's path in a JSON value, the root's excepted. */
export function pathsOf(value: unknown, at: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  return entries.flatMap(([key, item]) => [[...at, key], ...pathsOf(item, [...at, key])]);
}

export type Mutation = 'replace' | 'delete' | 'wrap-in-array' | 'object-to-array' | 'duplicate-key' | 'proto-sibling';

/** JSON text of `value` with the node at `at` mutated; `hostile` is the JSON text a mutation puts in. */
export function mutatedText(value: unknown, at: JsonPath, mutation: Mutation, hostile: string, depth = 0): string {
  if (depth === at.length) {
    switch (mutation) {
      case 'replace':
        return hostile;
      case 'wrap-in-array':
        return `[${toJsonText(value)}]`;
      case 'object-to-array':
        return value !== null && typeof value === 'object' ? toJsonText(Object.values(value)) : `{"0":${toJsonText(value)}}`;
      default:
        return toJsonText(value);
    }
  }
  const step = at[depth]!;
  const last = depth === at.length - 1;
  if (Array.isArray(value)) {
    const items = value.flatMap((item, index) => (index === step && last && mutation === 'delete' ? [] : [index === step ? mutatedText(item, at, mutation, hostile, depth + 1) : toJsonText(item)]));
    return `[${items.join(',')}]`;
  }
  const members: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (key === step && last && mutation === 'delete') continue;
    members.push(`${JSON.stringify(key)}:${key === step ? mutatedText(item, at, mutation, hostile, depth + 1) : toJsonText(item)}`);
    if (key === step && last && mutation === 'duplicate-key') members.push(`${JSON.stringify(key)}:${hostile}`);
    if (key === step && last && mutation === 'proto-sibling') members.push(`"__proto__":${hostile}`, `"constructor":{"prototype":${hostile}}`);
  }
  return `{${members.join(',')}}`;
}
