import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonTextDeeperThan, scanJsonText } from '../src/http/scan-json-text.js';
import { maxUpstreamJsonDepth, parseUpstreamJson, UpstreamJsonTooDeepError } from '../src/index.js';

/** `depth` arrays, one in the other, with `inner` at the bottom. */
const nested = (depth: number, inner = '') => '['.repeat(depth) + inner + ']'.repeat(depth);

/** The depth of a parsed value, counted without recursion (the top-level container is 1). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [item, above] = pending.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, above + 1);
    for (const child of Object.values(item)) pending.push([child, above + 1]);
  }
  return deepest;
}

/** Strings that hold what could fool a scan: brackets, braces, quotes, runs of backslashes. */
const trickyString = fc.stringMatching(/^[[\]{}"\\a ]{0,12}$/);
const jsonValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    trickyString,
    fc.integer(),
    fc.constantFrom(true, false, null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

describe('isJsonTextDeeperThan', () => {
  it('passes exactly the bound and refuses one level more', () => {
    expect(isJsonTextDeeperThan(nested(512), 512)).toBe(false);
    expect(isJsonTextDeeperThan(nested(513), 512)).toBe(true);
    const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expect(isJsonTextDeeperThan(objects(512), 512)).toBe(false);
    expect(isJsonTextDeeperThan(objects(513), 512)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes and backslashes included', () => {
    const brackets = JSON.stringify({ text: '['.repeat(5_000) + '"\\"{{{{' });
    expect(isJsonTextDeeperThan(brackets, 2)).toBe(false);
    // `"x\\"` ends after the escaped backslash: the brackets after it count.
    expect(isJsonTextDeeperThan(`{"a":"x\\\\", "b":${nested(3)}}`, 3)).toBe(true);
    // `"x\"…` does not end at the escaped quote: the brackets inside it do not count.
    expect(isJsonTextDeeperThan(`{"a":"x\\" ${'['.repeat(5_000)}", "b":[]}`, 2)).toBe(false);
  });

  it('leaves malformed text to JSON.parse', () => {
    expect(isJsonTextDeeperThan(`{"a":"never closed ${'['.repeat(5_000)}`, 2)).toBe(false);
    expect(isJsonTextDeeperThan('', 1)).toBe(false);
  });

  it('reads no text shorter than two characters a level past the bound', () => {
    // 2 × 513 characters are needed to open and close 513 levels.
    expect(isJsonTextDeeperThan('['.repeat(1_025), 512)).toBe(false);
    expect(isJsonTextDeeperThan('['.repeat(1_026), 512)).toBe(true);
  });

  it('property: agrees with the depth of the parsed value, and with the scan of a request body', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 12 }), (value, wrap, maxDepth) => {
        const text = nested(wrap, JSON.stringify(value));
        const depth = depthOf(JSON.parse(text));
        // The length shortcut is exact for valid JSON; checked here at every bound.
        expect(isJsonTextDeeperThan(text, maxDepth)).toBe(depth > maxDepth);
        expect(isJsonTextDeeperThan(text, maxDepth)).toBe(scanJsonText(text, maxDepth) === 'too-deep');
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseUpstreamJson', () => {
  it('parses what JSON.parse parses up to the bound', () => {
    expect(maxUpstreamJsonDepth).toBe(512);
    expect(parseUpstreamJson('{"a":[1,"[[["]}')).toEqual({ a: [1, '[[['] });
    expect(depthOf(parseUpstreamJson(nested(maxUpstreamJsonDepth)))).toBe(512);
  });

  it('refuses text past the bound as a SyntaxError that quotes nothing of it', () => {
    const refusal = (() => {
      try {
        parseUpstreamJson(nested(20_000, '"sk-secret"'));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(UpstreamJsonTooDeepError);
    expect(refusal).toBeInstanceOf(SyntaxError);
    expect((refusal as Error).message).toBe('The JSON text is nested deeper than 512 levels.');
    expect(() => parseUpstreamJson(nested(513))).toThrow(SyntaxError);
  });

  it('refuses malformed text as JSON.parse does', () => {
    expect(() => parseUpstreamJson('{"a":')).toThrow(SyntaxError);
  });

  it('finds 2,000,000 levels behind a 4 MB string in one pass, without recursion', () => {
    const text = `{"pad":"${'x'.repeat(4_000_000)}","deep":${nested(2_000_000)}}`;
    expect(() => parseUpstreamJson(text)).toThrow(UpstreamJsonTooDeepError);
  });
});
