import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * A budget of $0 allows no spend: its bar was computed as 0 of nothing and drawn empty, as
 * if the key had all of its budget left. It is drawn full and says that no spend is allowed,
 * in the keys table and in a key holder's own view; a $1 budget with nothing spent stays empty.
 */
const target = findChromium();
let gateway: TestGateway;
let browser: Browser;
const zero = { id: '', secret: '' };
const roomy = { id: '' };
const pageErrors: string[] = [];

const admin = adminCaller(() => gateway.origin, masterKey);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

async function logIn(key: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${gateway.origin}/dashboard`);
  await page.locator('#login-key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await poll(() => page.locator('#total-spend').textContent()).toMatch(/^\$\d/);
  return page;
}

/** The bar's drawn width, its class and the text beside it. */
async function bar(page: Page, scope: string) {
  const budget = page.locator(`${scope} .budget`);
  const fill = budget.locator('.fill');
  const width = /width: ([^;]*)/.exec((await fill.getAttribute('style')) ?? '')?.[1];
  return { width, over: ((await fill.getAttribute('class')) ?? '').split(' ').includes('over'), text: await budget.textContent() };
}

describe.skipIf(!target.available)('a $0 budget in the dashboard', () => {
  beforeAll(async () => {
    gateway = await startTestGateway({ server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-zero-budget-')) }, storage: { use: 'sqlite' } });
    const created = await admin('POST', '/keys', { name: 'frozen', scope: { budget: { limit_usd: 0, period: 'daily' } } });
    expect(created.status).toBe(201);
    zero.id = created.body['key'].id;
    zero.secret = created.body['secret'];
    roomy.id = (await admin('POST', '/keys', { name: 'roomy', scope: { budget: { limit_usd: 1, period: 'daily' } } })).body['key'].id;
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('the keys table draws it full, saying no spend is allowed', async () => {
    const page = await logIn(masterKey);
    const row = `#keys-table tr[data-key-id="${zero.id}"]`;
    await poll(() => page.locator(row).count()).toBe(1);
    expect(await bar(page, row)).toEqual({ width: '100%', over: true, text: 'no spend allowed' });
    expect(await bar(page, `#keys-table tr[data-key-id="${roomy.id}"]`)).toEqual({ width: '0%', over: false, text: '$0.000000 / $1.000000' });
    await page.context().close();
  }, 90_000);

  it("the key holder's own view draws it full and says so beside the budget", async () => {
    const page = await logIn(zero.secret);
    await poll(() => page.locator('#self-limits').textContent()).toContain('$0.000000 of $0.000000 per day, no spend allowed');
    expect(await bar(page, '#self-key')).toMatchObject({ width: '100%', over: true });
    await page.context().close();
  }, 90_000);

  it('raised no script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
