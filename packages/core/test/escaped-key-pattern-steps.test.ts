import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { escapedKeyPattern, mayHoldMistypedAnthropicText, mayHoldMistypedOpenAIText } from '../src/index.js';

/**
 * The checks the fast path runs on the raw text of every stream event look for a key
 * spelled with `\u` escapes. Written `\\u[^"]*"\s*:`, each try ran from an escape to
 * the string's closing quote, so a string of n escapes cost n times its length: one
 * 480 KB event of `\u0041` held the event loop 29 s. Counted, not timed: V8 is asked to
 * hand a match to its linear engine once it backtracks more than a bound
 * (--regexp-backtracks-before-fallback), and to say when it does. V8 counts the tries
 * of a lone pattern that way, not of one inside an alternation, so the bound is put to
 * the one pattern every check is built from.
 */

const backtrackBound = 1000;

/** How many times V8 gave up backtracking (one per match handed to its linear engine) on `text`. */
function fallbacks(pattern: RegExp, text: string): number {
  const script = 'const [source, flags, text] = JSON.parse(require("fs").readFileSync(0, "utf8")); process.stdout.write("\\nresult " + new RegExp(source, flags).test(text) + "\\n");';
  const run = spawnSync(
    process.execPath,
    ['--enable-experimental-regexp-engine-on-excessive-backtracks', `--regexp-backtracks-before-fallback=${backtrackBound}`, '--trace-experimental-regexp-engine', '-e', script],
    { input: JSON.stringify([pattern.source, pattern.flags, text]), encoding: 'utf8' },
  );
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/result (true|false)/);
  return run.stdout.split('\n').filter((line) => line.startsWith('Experimental execution')).length;
}

const escapes = '\\u0041'.repeat(20_000);
const hostileEvents = {
  openai: `{"choices":[{"index":0,"delta":{"content":"${escapes}"},"finish_reason":null}]}`,
  anthropic: `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${escapes}"}}`,
};

describe('the escaped-key checks on a stream event', () => {
  it('the bound catches the pattern they replaced (so the count below means something)', () => {
    expect(fallbacks(/\\u[^"]*"\s*:/, hostileEvents.openai)).toBeGreaterThan(0);
  });

  it('are all built from the one pattern, which reads an event of 20,000 escapes without backtracking past the bound', () => {
    for (const check of [mayHoldMistypedOpenAIText, mayHoldMistypedAnthropicText]) expect(check.source.endsWith(`|${escapedKeyPattern}`)).toBe(true);
    expect(fallbacks(new RegExp(escapedKeyPattern), hostileEvents.openai)).toBe(0);
    expect(fallbacks(mayHoldMistypedOpenAIText, hostileEvents.openai)).toBe(0);
    expect(fallbacks(mayHoldMistypedAnthropicText, hostileEvents.anthropic)).toBe(0);
  });

  it('still find a key spelled with escapes, and only that', () => {
    const pattern = new RegExp(escapedKeyPattern);
    expect(pattern.test('{"\\u0066inish_reason":5}')).toBe(true);
    expect(pattern.test('{"a":"\\u0041\\"x" , "b\\n\\u0063" :1}')).toBe(true);
    expect(pattern.test('{"a\\u0041\\\\b" \n: 1}')).toBe(true);
    expect(pattern.test(hostileEvents.openai)).toBe(false);
    expect(pattern.test('{"a":"\\u0041","b":1}')).toBe(false);
    expect(mayHoldMistypedOpenAIText.test('{"choices":[{"delta":{"\\u0063ontent":5}}]}')).toBe(true);
    expect(mayHoldMistypedAnthropicText.test('{"delta":{"t\\u0065xt":{}}}')).toBe(true);
  });
});
