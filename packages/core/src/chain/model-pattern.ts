/**
 * Whether a model name matches one of a key's model patterns: an exact name
 * (`mock/echo`, an alias), a provider wildcard (`openai/*`) or any glob with `*`.
 */
export function matchesModelPattern(model: string, patterns: readonly string[]): boolean {
  for (const pattern of patterns) {
    if (pattern === model || pattern === '*') return true;
    if (pattern.includes('*') && globToRegExp(pattern).test(model)) return true;
  }
  return false;
}

const compiled = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let regexp = compiled.get(pattern);
  if (!regexp) {
    const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    regexp = new RegExp(`^${source}$`);
    compiled.set(pattern, regexp);
  }
  return regexp;
}
