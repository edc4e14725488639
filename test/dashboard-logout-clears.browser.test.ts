import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * Logging out of a master-key session showed the login form over a page that still held
 * every key (names, ids, budgets), the recent requests and the spend, only hidden: anyone
 * at the same browser could read them in its developer tools, and a key holder logging in
 * next in the same tab had them in the page beneath their own view. Logging out now leaves
 * nothing of the session in the page.
 */
const target = findChromium();
let gateway: TestGateway;
let browser: Browser;
const holder = { id: '', secret: '' };
const other = { id: '' };
const pageErrors: string[] = [];

const admin = adminCaller(() => gateway.origin, masterKey);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

describe.skipIf(!target.available)('logging out of the dashboard', () => {
  beforeAll(async () => {
    gateway = await startTestGateway({ server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-logout-')) }, storage: { use: 'sqlite' }, usage: { flush_interval_ms: 20 } });
    const created = await admin('POST', '/keys', { name: 'holder' });
    holder.id = created.body['key'].id;
    holder.secret = created.body['secret'];
    other.id = (await admin('POST', '/keys', { name: 'someone-else-entirely' })).body['key'].id;
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("leaves nothing of a master-key session in the page, for whoever logs in next in the same tab", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${gateway.origin}/dashboard`);
    await page.locator('#login-key').fill(masterKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.locator(`#keys-table tr[data-key-id="${other.id}"]`).count()).toBe(1);

    await page.getByRole('button', { name: 'Log out' }).click();
    await poll(() => page.locator('#login').isVisible()).toBe(true);
    // Before: the keys table still held both keys, hidden.
    await poll(() => page.locator('#keys-table tr[data-key-id]').count()).toBe(0);
    expect(await page.content()).not.toContain('someone-else-entirely');
    expect((await page.context().cookies()).filter((cookie) => cookie.value !== '')).toEqual([]);

    // The key holder's own view, in the same tab: nothing of the other key.
    await page.locator('#login-key').fill(holder.secret);
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.locator('#self-limits').textContent()).toContain(holder.id);
    expect(await page.content()).not.toContain('someone-else-entirely');
    expect(await page.content()).not.toContain(other.id);
    await page.context().close();
  }, 90_000);

  it('raised no script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
