import { describe, expect, it } from 'vitest';
import { parseBreakerEvent, SharedBreakerMarks } from '../src/index.js';

function clockAt(start = 1_000_000) {
  let now = start;
  return Object.assign(() => now, { advance: (ms: number) => void (now += ms) });
}

const known = new Set(['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5', 'groq/llama']);
const isKnown = (name: string) => known.has(name);

describe('SharedBreakerMarks (the local mirror of the shared open marks)', () => {
  it('is open until the open time ends, half-open for the hold time, then forgets the mark', () => {
    const clock = clockAt();
    const marks = new SharedBreakerMarks(isKnown, 10, clock);
    marks.open({ deployment: 'openai/gpt-4o-mini', openMs: 1000, holdMs: 500 });
    expect(marks.stateOf('openai/gpt-4o-mini')).toBe('open');
    expect(marks.openMsLeft('openai/gpt-4o-mini')).toBe(1000);
    clock.advance(999);
    expect(marks.stateOf('openai/gpt-4o-mini')).toBe('open');
    clock.advance(1);
    expect(marks.stateOf('openai/gpt-4o-mini')).toBe('half-open');
    clock.advance(499);
    expect(marks.stateOf('openai/gpt-4o-mini')).toBe('half-open');
    clock.advance(1);
    expect(marks.stateOf('openai/gpt-4o-mini')).toBeUndefined();
    expect(marks.entries()).toEqual([]);
  });

  it('drops a mark on close, and a refresh that started before an event cannot bring it back', () => {
    const marks = new SharedBreakerMarks(isKnown, 10, clockAt());
    marks.open({ deployment: 'openai/gpt-4o-mini', openMs: 1000, holdMs: 1000 });
    const started = marks.beginRefresh();
    marks.close('openai/gpt-4o-mini');
    // Redis answered before the close event: stale.
    expect(marks.replace(started, [{ deployment: 'openai/gpt-4o-mini', openMs: 900, holdMs: 1000 }])).toBe(false);
    expect(marks.stateOf('openai/gpt-4o-mini')).toBeUndefined();
    // The next refresh, with no event in between, is applied.
    const next = marks.beginRefresh();
    expect(marks.replace(next, [{ deployment: 'groq/llama', openMs: 0, holdMs: 1000 }])).toBe(true);
    expect(marks.entries()).toEqual([{ deployment: 'groq/llama', state: 'half-open', openMsLeft: 0 }]);
  });

  it('keeps only known deployments, finite times, and at most maxMarks marks', () => {
    const marks = new SharedBreakerMarks(isKnown, 2, clockAt());
    marks.open({ deployment: 'made-up/model', openMs: 1000, holdMs: 1000 });
    marks.open({ deployment: 'openai/gpt-4o-mini', openMs: Infinity, holdMs: 1000 });
    marks.open({ deployment: 'openai/gpt-4o-mini', openMs: 1000, holdMs: Number.NaN });
    expect(marks.entries()).toEqual([]);
    for (const deployment of known) marks.open({ deployment, openMs: 1000, holdMs: 1000 });
    expect(marks.entries().map((entry) => entry.deployment)).toEqual(['anthropic/claude-sonnet-4-5', 'groq/llama']);
  });
});

describe('parseBreakerEvent (messages anyone on the Redis could publish)', () => {
  it('reads open and close events', () => {
    expect(parseBreakerEvent('{"event":"open","deployment":"openai/gpt-4o-mini","open_ms":30000,"hold_ms":30000}')).toEqual({
      event: 'open',
      deployment: 'openai/gpt-4o-mini',
      open_ms: 30000,
      hold_ms: 30000,
    });
    expect(parseBreakerEvent('{"event":"close","deployment":"openai/gpt-4o-mini"}')).toEqual({ event: 'close', deployment: 'openai/gpt-4o-mini' });
  });

  it.each([
    ['not JSON', 'open openai/gpt-4o-mini'],
    ['null', 'null'],
    ['an unknown event', '{"event":"reset","deployment":"openai/x"}'],
    ['a number too large (1e309 parses to Infinity)', '{"event":"open","deployment":"openai/x","open_ms":1e309,"hold_ms":1}'],
    ['a negative time', '{"event":"open","deployment":"openai/x","open_ms":-1,"hold_ms":1}'],
    ['a fractional time', '{"event":"open","deployment":"openai/x","open_ms":1.5,"hold_ms":1}'],
    ['a time as a string', '{"event":"open","deployment":"openai/x","open_ms":"1000","hold_ms":1}'],
    ['an empty name', '{"event":"close","deployment":""}'],
    ['a name that is not a string', '{"event":"close","deployment":["openai/x"]}'],
    ['a name too long', JSON.stringify({ event: 'close', deployment: `openai/${'x'.repeat(600)}` })],
    ['a message too long', JSON.stringify({ event: 'close', deployment: 'openai/x', padding: 'x'.repeat(5000) })],
  ])('ignores %s', (_case, message) => {
    expect(parseBreakerEvent(message)).toBeUndefined();
  });
});
