import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from '@switchyard/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

/*
 * README.md said that without Chromium the dashboard's browser test "is skipped with the
 * reason printed, and everything else runs". That holds only while `CI` is unset: with
 * CI set (every CI service sets it) a missing Chromium fails the run, so that a green CI
 * always ran the browser test. A reader running `npm test` in their own CI met a failure
 * the README said would be a skip.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
/** The README's paragraph about the browser test's Chromium. */
const paragraph = (readme.split('\n\n').find((part) => part.includes('CHROMIUM_PATH')) ?? '').replace(/\s+/g, ' ');

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("README.md's word on the browser test without Chromium", () => {
  it('skips without CI set, as the README says', () => {
    vi.stubEnv('CHROMIUM_PATH', path.join(root, 'no-such-chromium'));
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(findChromium()).toMatchObject({ available: false });
    warn.mockRestore();
    expect(paragraph).toMatch(/skipped with the reason printed/);
  });

  it('fails with CI set, and the README says so', () => {
    vi.stubEnv('CHROMIUM_PATH', path.join(root, 'no-such-chromium'));
    vi.stubEnv('CI', 'true');
    expect(() => findChromium()).toThrow(/CI is set, so Chromium is required/);
    expect(paragraph).toMatch(/with `CI` set[^.]*fails/i);
  });
});
