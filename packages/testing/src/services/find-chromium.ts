import { accessSync, constants } from 'node:fs';

/** Where Chromium is for browser tests, or why the tests skip. */
export type ChromiumTarget = { available: true; path: string } | { available: false; reason: string };

/**
 * Debian's Chromium (`apt-get install chromium`), or `CHROMIUM_PATH`. Browser tests
 * never download a browser: without one they skip with the reason printed, and in CI
 * (CI set) a missing browser fails the run instead, so a green CI always ran them.
 */
export function findChromium(): ChromiumTarget {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  try {
    accessSync(path, constants.X_OK);
    return { available: true, path };
  } catch {
    const reason = `no Chromium at ${path}; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`;
    const ci = process.env.CI;
    if (ci !== undefined && ci !== '' && !/^(0|false)$/i.test(ci)) throw new Error(`CI is set, so Chromium is required: ${reason}`);
    console.warn(`[chromium] skipping browser tests: ${reason}`);
    return { available: false, reason };
  }
}
