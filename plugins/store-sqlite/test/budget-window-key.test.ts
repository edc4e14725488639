import { describe, expect, it } from 'vitest';
import { budgetWindowKey } from '../src/budget-window-key.js';

describe('budgetWindowKey', () => {
  it('writes one instant one way, however the caller wrote it', () => {
    const canonical = '2029-05-01T00:00:00.000Z';
    for (const written of ['2029-05-01T00:00:00.000Z', '2029-05-01T00:00:00Z', '2029-05-01T02:00:00+02:00', '2029-05-01']) {
      expect(budgetWindowKey(written)).toBe(canonical);
      // Asked again (now from the memo), the same answer.
      expect(budgetWindowKey(written)).toBe(canonical);
    }
  });

  it('keeps a window start that is not a time as it is', () => {
    expect(budgetWindowKey('not-a-time')).toBe('not-a-time');
    expect(budgetWindowKey('not-a-time')).toBe('not-a-time');
  });

  it('answers right past the memo bound, for many distinct window starts', () => {
    for (let day = 0; day < 500; day++) {
      const start = new Date(Date.UTC(2030, 0, 1 + day));
      expect(budgetWindowKey(start.toISOString().replace('.000Z', 'Z'))).toBe(start.toISOString());
    }
    expect(budgetWindowKey('2030-01-01T00:00:00Z')).toBe('2030-01-01T00:00:00.000Z');
  });
});
