import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * Names a key holds and the dashboard shows (stored before the admin API refused these
 * characters, or written by another tool): markup stays text, and the
 * invisible characters that reorder or break what follows them (bidirectional
 * overrides and isolates, line separators) are written out, as the CLI writes them,
 * so a key named with U+202E cannot show another key's id reversed, or reorder the
 * numbers of a chart's summary sentence that come after it.
 */
const target = findChromium();
const invisible = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let gateway: TestGateway;
let browser: Browser;
let keyId: string;
const pageErrors: string[] = [];

const admin = adminCaller(() => gateway.origin, masterKey);

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

describe.skipIf(!target.available)('the dashboard under hostile key names', () => {
  beforeAll(async () => {
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-hostile-dashboard-')) },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
    });
    // The admin API now refuses these characters in names (test/admin-bidi-names.test.ts); a key
    // stored before that still carries them, so the names are written into the store directly.
    const created = await admin('POST', '/keys', { name: 'plain', team: 'plain', project: 'plain' });
    expect(created.status).toBe(201);
    keyId = created.body['key'].id;
    const renamed = await gateway.gateway.runtime.storage!.keys.update(keyId, {
      name: '\u202eevil-name <img src=x onerror="window.pwned=1">',
      team: 'red\u2028team\u061c',
      project: '\u2066<b>bold</b>',
    });
    expect(renamed?.name).toContain('evil-name');
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.body['secret']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    for (let tries = 0; tries < 200 && (await gateway.gateway.runtime.storage!.ledger.count()) < 1; tries++) await new Promise((resolve) => setTimeout(resolve, 25));
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  async function loggedIn(): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${gateway.origin}/dashboard`);
    await page.locator('#login-key').fill(masterKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.locator(`#keys-table tr[data-key-id="${keyId}"]`).count()).toBe(1);
    await poll(() => page.locator('#requests-table tbody tr[data-request-id]').count()).toBe(1);
    return page;
  }

  it('shows markup as text and writes out the characters that would reorder or break the text after them', async () => {
    const page = await loggedIn();
    const keyRow = (await page.locator(`#keys-table tr[data-key-id="${keyId}"]`).textContent())!;
    const requestRow = (await page.locator('#requests-table tbody tr[data-request-id]').textContent())!;
    await poll(() => page.locator('#spend-summary').textContent()).toContain('evil-name');
    const summary = (await page.locator('#spend-summary').textContent())!;
    const groups = (await page.locator('#groups-table tbody').textContent())!;

    for (const text of [keyRow, requestRow, summary, groups]) expect(text).not.toMatch(invisible);
    // Written out where they were, and the key id after the name reads as it is.
    expect(keyRow).toContain('\\u202eevil-name <img src=x onerror="window.pwned=1">');
    expect(keyRow).toContain('red\\u2028team\\u061c / \\u2066<b>bold</b>');
    expect(requestRow).toContain(`\\u202eevil-name <img src=x onerror="window.pwned=1"> · ${keyId}`);

    // Markup in a name never became an element.
    expect(await page.locator('#keys-table img, #requests-table img, #groups-table img, #keys-table b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await page.context().close();
  }, 90_000);

  it('the confirmation dialog names the key with the same written-out text', async () => {
    const page = await loggedIn();
    await page.locator(`#keys-table tr[data-key-id="${keyId}"]`).getByRole('button', { name: 'Revoke' }).click();
    const title = (await page.locator('#confirm-title').textContent())!;
    expect(title).not.toMatch(invisible);
    expect(title).toContain('\\u202eevil-name');
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.context().close();
  }, 90_000);

  it('raised no script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
