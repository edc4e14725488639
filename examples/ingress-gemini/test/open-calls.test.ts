import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpenCalls } from '../src/open-calls.js';

/** The plain reading of the rule, quadratic: an array searched and spliced. */
class SplicedCalls {
  readonly ids: string[] = [];
  add(id: string): void {
    this.ids.push(id);
  }
  answer(id: string): void {
    const at = this.ids.indexOf(id);
    if (at >= 0) this.ids.splice(at, 1);
  }
  takeOldest(): string | undefined {
    return this.ids.shift();
  }
}

describe('OpenCalls', () => {
  it('answers as an array searched and spliced would, for any sequence of calls and answers (repeated ids too)', () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd');
    const step = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), id }),
      fc.record({ kind: fc.constant('answer' as const), id }),
      fc.record({ kind: fc.constant('oldest' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const calls = new OpenCalls();
        const model = new SplicedCalls();
        for (const each of steps) {
          if (each.kind === 'add') {
            calls.add(each.id);
            model.add(each.id);
          } else if (each.kind === 'answer') {
            calls.answer(each.id);
            model.answer(each.id);
          } else {
            expect(calls.takeOldest()).toBe(model.takeOldest());
          }
        }
        // What is left, oldest first, is the same too.
        const left: Array<string | undefined> = [];
        for (let next = calls.takeOldest(); next !== undefined; next = calls.takeOldest()) left.push(next);
        expect(left).toEqual(model.ids);
      }),
      { numRuns: 2000 },
    );
  });
});
