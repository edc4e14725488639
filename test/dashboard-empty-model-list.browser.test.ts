import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * A key whose scope lists no model (`models: []`) may call none (403 model_not_allowed), but
 * its holder's own view showed an empty "Models" entry, which reads as nothing set (all of
 * them) rather than none; it now says `none`. A key without a list still reads `all`.
 */
const target = findChromium();
let gateway: TestGateway;
let browser: Browser;
const pageErrors: string[] = [];

const admin = adminCaller(() => gateway.origin, masterKey);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

/** What the key holder's view says under Models. */
async function modelsShown(secret: string): Promise<string> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${gateway.origin}/dashboard`);
  await page.locator('#login-key').fill(secret);
  await page.getByRole('button', { name: 'Log in' }).click();
  const models = page.locator('#self-limits dt', { hasText: /^Models$/ }).locator('xpath=following-sibling::dd[1]');
  await poll(() => models.count()).toBe(1);
  const text = (await models.textContent())!;
  await page.context().close();
  return text;
}

async function keyWith(scope: Record<string, unknown>): Promise<string> {
  const created = await admin('POST', '/keys', { name: 'scoped', scope });
  expect(created.status).toBe(201);
  return created.body['secret'];
}

describe.skipIf(!target.available)("the models a key holder's view lists", () => {
  beforeAll(async () => {
    gateway = await startTestGateway({ server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-empty-models-')) }, storage: { use: 'sqlite' } });
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('says none for an empty list, which the gateway holds to no model', async () => {
    const secret = await keyWith({ models: [] });
    const refused = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(refused.status).toBe(403);
    // Before: '' (an empty entry).
    expect(await modelsShown(secret)).toBe('none');
  }, 90_000);

  it('lists the models of a list, and says all without one', async () => {
    expect(await modelsShown(await keyWith({ models: ['mock/echo', 'mock/other'] }))).toBe('mock/echo, mock/other');
    expect(await modelsShown(await keyWith({}))).toBe('all');
  }, 90_000);

  it('raised no script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
