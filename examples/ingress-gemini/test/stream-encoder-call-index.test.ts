import { afterEach, describe, expect, it, vi } from 'vitest';
import { GeminiStreamEncoder } from '../src/index.js';

/**
 * A tool call's index is what the upstream numbered it: the OpenAI decoder takes any
 * safe integer. The encoder kept calls in an array by that index and walked it whole at
 * the end: a call numbered 2^32 - 2 was a walk of four billion empty places (the event
 * loop held for minutes), and one numbered 2^32 or more, no array index at all, was
 * left out. Counted, not timed: every array the encoder walks is measured.
 */

afterEach(() => vi.restoreAllMocks());

/** The longest array filtered or mapped while `run` runs; one past `limit` is refused rather than walked. */
function longestWalk(run: () => void, limit: number): number {
  let longest = 0;
  for (const method of ['filter', 'map', 'forEach'] as const) {
    const original = Array.prototype[method] as (...args: unknown[]) => unknown;
    vi.spyOn(Array.prototype, method).mockImplementation(function (this: unknown[], ...args: unknown[]) {
      longest = Math.max(longest, this.length);
      if (this.length > limit) throw new Error(`walked an array of ${this.length}`);
      return original.apply(this, args);
    } as never);
  }
  try {
    run();
  } catch {
    // The refused walk: its length is what counts.
  }
  vi.restoreAllMocks();
  return longest;
}

describe('the Gemini stream encoder', () => {
  it('writes calls numbered far apart in index order, walking only the calls it holds', () => {
    const encoder = new GeminiStreamEncoder({ requestId: 'req_1', model: 'gemini', modelPrefix: 'p/', includeUsage: false });
    let events: unknown[] = [];
    const walked = longestWalk(() => {
      encoder.encode({ type: 'tool-call-start', index: Number.MAX_SAFE_INTEGER, id: 'b', name: 'second' });
      encoder.encode({ type: 'tool-call-delta', index: Number.MAX_SAFE_INTEGER, argumentsDelta: '{"x":2}' });
      encoder.encode({ type: 'tool-call-start', index: 2 ** 32 - 2, id: 'm', name: 'middle' });
      encoder.encode({ type: 'tool-call-start', index: 3, id: 'a', name: 'first' });
      encoder.encode({ type: 'tool-call-delta', index: 3, argumentsDelta: '{"x":1}' });
      encoder.encode({ type: 'finish', finishReason: { unified: 'tool-calls' } });
      events = [...encoder.finish()];
    }, 1000);

    expect(walked).toBeLessThanOrEqual(10);
    const last = JSON.parse(events.at(-1) as string) as { candidates: Array<{ content: { parts: unknown[] } }> };
    expect(last.candidates[0]!.content.parts).toEqual([
      { functionCall: { id: 'a', name: 'first', args: { x: 1 } } },
      { functionCall: { id: 'm', name: 'middle', args: {} } },
      { functionCall: { id: 'b', name: 'second', args: { x: 2 } } },
    ]);
  });
});
