import { describe, expect, it } from 'vitest';
import { readRetryAfterHeader } from '../src/transport/read-retry-after.js';

describe('readRetryAfterHeader', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  it('reads seconds and HTTP dates', () => {
    expect(readRetryAfterHeader('3', now)).toBe(3);
    expect(readRetryAfterHeader('0.5', now)).toBe(0.5);
    expect(readRetryAfterHeader('Sun, 06 Dec 2026 12:00:30 GMT', now)).toBe(30);
    // RFC 850's and asctime's forms, which RFC 9110 still asks a recipient to read.
    expect(readRetryAfterHeader('Sunday, 06-Dec-26 12:00:30 GMT', now)).toBe(30);
    expect(readRetryAfterHeader('Sun Dec  6 12:00:30 2026', now)).toBe(30);
  });

  it('holds every value to 0 … a day: past dates, negatives and absurd waits', () => {
    expect(readRetryAfterHeader('-5', now)).toBe(0);
    expect(readRetryAfterHeader('Sun, 06 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(readRetryAfterHeader('1e21', now)).toBe(86_400);
    expect(readRetryAfterHeader('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(86_400);
  });

  it('is undefined when absent or unreadable (1e309 is no number of seconds)', () => {
    for (const value of [undefined, '', '  ', 'soon', '1e309', 'Infinity', 'retry 2099', 'wait 60', '12/31/9999', '2026-12-06T12:00:30Z', ['3'], 3]) expect(readRetryAfterHeader(value, now)).toBeUndefined();
  });
});
