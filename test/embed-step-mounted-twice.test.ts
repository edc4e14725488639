import { builtInPlugins } from '@switchyard/cli';
import { createSteps, type SwitchyardSteps } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * One step met twice by one request: the app protects a whole area with it
 * (`app.use('/reports', step)`) and a route inside again. Each request ran the
 * step twice, so an rpm of 2 let one request through, not two.
 */
describe('a step of createSteps that one request meets twice', () => {
  let switchyard: SwitchyardSteps;

  beforeAll(async () => {
    switchyard = await createSteps(
      { providers: {}, chain: [{ 'rate-limit': { limits: { global: { rpm: 2 } } } }], log: { level: 'silent' } },
      { plugins: builtInPlugins },
    );
  });
  afterAll(() => switchyard?.close());

  it('runs once for that request: the limit counts requests, not mounts', async () => {
    const app = express();
    const limited = switchyard.step('rate-limit');
    app.use('/reports', limited);
    app.get('/reports/export', limited, (_req, res) => void res.json({ rows: 3 }));
    app.use(switchyard.errorHandler());

    expect((await request(app).get('/reports/export')).status).toBe(200);
    expect((await request(app).get('/reports/export')).status).toBe(200);
    const refused = await request(app).get('/reports/export');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limit_exceeded');
  });
});
