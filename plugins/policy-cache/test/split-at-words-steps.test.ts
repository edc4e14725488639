import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { responseToStreamParts, splitAtWords } from '../src/index.js';

/**
 * A whole answer served from the cache to a streaming client is cut into words. An
 * answer of whitespace alone (a model that ran on emitting spaces) made the word
 * pattern try a match from every position to the end: 80 KB of spaces held the event
 * loop 5 s. Counted, not timed: V8 is asked to hand a match to its linear engine once
 * it backtracks more than a bound (--regexp-backtracks-before-fallback), and to say
 * when it does; splitAtWords runs on its own in a child process.
 */

/** How many times V8 gave up backtracking while `split` cut `text`. */
function fallbacks(split: (text: string) => string[], text: string): number {
  const script = `const text = require("fs").readFileSync(0, "utf8"); const pieces = (${split.toString()})(text); process.stdout.write("\\npieces " + pieces.length + "\\n");`;
  const run = spawnSync(
    process.execPath,
    ['--enable-experimental-regexp-engine-on-excessive-backtracks', '--regexp-backtracks-before-fallback=1000', '--trace-experimental-regexp-engine', '-e', script],
    { input: text, encoding: 'utf8' },
  );
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/pieces \d+/);
  return run.stdout.split('\n').filter((line) => line.startsWith('Experimental execution')).length;
}

const spaces = ' \n'.repeat(10_000);

describe('splitAtWords', () => {
  it('the bound catches the pattern alone on whitespace (so the count below means something)', () => {
    expect(fallbacks((text) => text.match(/\s*\S+\s*/g) ?? [text], spaces)).toBeGreaterThan(0);
  });

  it('cuts 20,000 characters of whitespace without backtracking past the bound, as one piece', () => {
    expect(fallbacks(splitAtWords, spaces)).toBe(0);
    expect(fallbacks(splitAtWords, `${spaces}word${spaces}`)).toBe(0);
    expect(splitAtWords(spaces)).toEqual([spaces]);
  });

  it('serves an answer of whitespace as one text delta', () => {
    const response = { id: 'r', model: 'm', created: 1, content: [{ type: 'text' as const, text: spaces }], finishReason: { unified: 'stop' as const }, usage: { inputTokens: 1, outputTokens: 1 } };
    expect(responseToStreamParts(response).filter((part) => part.type === 'text-delta')).toEqual([{ type: 'text-delta', delta: spaces }]);
  });
});
