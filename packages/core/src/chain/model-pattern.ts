/**
 * Whether a model name matches one of a key's model patterns: an exact name
 * (`mock/echo`, an alias), a provider wildcard (`openai/*`) or any glob with `*`.
 */
export function matchesModelPattern(model: string, patterns: readonly string[]): boolean {
  for (const pattern of patterns) {
    if (pattern === model || pattern === '*') return true;
    if (pattern.includes('*') && globMatches(pattern, model)) return true;
  }
  return false;
}

/**
 * `*` matches any run of characters, everything else itself. Walked with one star to
 * go back to, at most the name's length times the pattern's steps: a regular expression
 * of `.*` per star backtracked exponentially on a pattern such as `*a*a*a*a*a*a*b`, and
 * each pattern ever seen was kept compiled.
 */
export function globMatches(pattern: string, text: string): boolean {
  let at = 0;
  let next = 0;
  let star = -1;
  let resumeAt = 0;
  while (at < text.length) {
    if (next < pattern.length && pattern[next] === '*') {
      star = next++;
      resumeAt = at;
    } else if (next < pattern.length && pattern[next] === text[at]) {
      next++;
      at++;
    } else if (star !== -1) {
      // The last star takes one character more, and the rest of the pattern tries again after it.
      next = star + 1;
      at = ++resumeAt;
    } else {
      return false;
    }
  }
  while (next < pattern.length && pattern[next] === '*') next++;
  return next === pattern.length;
}
