import { SecretRedactor, type Logger } from '@switchyard/core';

const redactor = new SecretRedactor();

/** Logs a warning at most once per interval, with how many were left out meanwhile. */
export type ThrottledWarning = (error: unknown, message: string) => void;

/**
 * A failing cache fails on every request; one line a minute says so without
 * flooding the log. Only the error's message is logged (its stack is of no use here),
 * with secrets blanked as the logger's `err` serializer blanks other Redis users':
 * a Redis or store error can quote its URL, password included, or a key it was given.
 */
export function throttledWarning(logger: Logger, intervalMs = 60_000, now: () => number = Date.now): ThrottledWarning {
  let lastLogged = -Infinity;
  let suppressed = 0;
  return (error, message) => {
    const time = now();
    if (time - lastLogged < intervalMs) {
      suppressed++;
      return;
    }
    lastLogged = time;
    logger.warn({ error: redactor.redact(error instanceof Error ? error.message : String(error)), suppressed }, message);
    suppressed = 0;
  };
}
