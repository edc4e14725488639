import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatches, matchesModelPattern } from '../src/chain/model-pattern.js';

/** The glob as a regular expression: what the matcher must agree with. */
const asRegExp = (pattern: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');

describe('model patterns', () => {
  it('match exact names, provider wildcards and any glob', () => {
    expect(matchesModelPattern('openai/gpt-4o', ['openai/*'])).toBe(true);
    expect(matchesModelPattern('openai/gpt-4o', ['anthropic/*', 'openai/gpt-4o'])).toBe(true);
    expect(matchesModelPattern('openai/gpt-4o-mini', ['*/gpt-4o*'])).toBe(true);
    expect(matchesModelPattern('openai/gpt-4o', ['openai/gpt-4o-*'])).toBe(false);
    expect(matchesModelPattern('anything', ['*'])).toBe(true);
    expect(matchesModelPattern('openai/gpt', [])).toBe(false);
  });

  it('agree with the glob read as a regular expression, for any pattern and name', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', '-'), maxLength: 12 });
    const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', '*'), maxLength: 8 });
    fc.assert(
      fc.property(pattern, text, (glob, name) => {
        expect(globMatches(glob, name)).toBe(asRegExp(glob).test(name));
      }),
      { numRuns: 5000 },
    );
  });

  it('answer a pattern of many stars against a long name in steps bounded by their lengths (a regular expression backtracked exponentially)', () => {
    // Counting steps, not time: a name of 256 characters and 20 stars, which no match can satisfy.
    const pattern = `${'*a'.repeat(20)}*b`;
    const name = 'a'.repeat(256);
    expect(globMatches(pattern, name)).toBe(false);
    expect(stepsOf(pattern, name)).toBeLessThanOrEqual((name.length + 1) * (pattern.length + 1));
  });
});

/** How many characters of the name the matcher compares, by a copy of its loop with a counter. */
function stepsOf(pattern: string, text: string): number {
  let steps = 0;
  const name = { length: text.length } as { length: number; [index: number]: string };
  const spy = new Proxy(name, {
    get: (target, property) => {
      if (typeof property === 'string' && /^\d+$/.test(property)) {
        steps++;
        return text[Number(property)];
      }
      return Reflect.get(target, property);
    },
  });
  globMatches(pattern, spy as unknown as string);
  return steps;
}
