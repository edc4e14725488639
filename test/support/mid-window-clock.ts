import { vi } from 'vitest';

/** Noon on Wednesday 16 January 2030: mid-day, mid-week, mid-month, far from any budget window's edge. */
export const midWindow = '2030-01-16T12:00:00.000Z';

/**
 * Moves this process's `Date` (and only it: timers, `performance` and the network keep
 * real time) to {@link midWindow}, still ticking with real time, until `vi.useRealTimers()`.
 *
 * For an in-process gateway that puts spend into daily, weekly or monthly budget
 * windows by the time a request arrives (it takes no clock of its own): on the real
 * clock, a run that crosses midnight UTC, a Monday or the first of a month moves the
 * gateway to a fresh window, so the window the test computed and the spend it expects
 * are wrong. Call before the gateway starts, so nothing holds a time from before.
 */
export function runMidWindow(): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.parse(midWindow), shouldAdvanceTime: true });
}
