import { builtInPlugins } from '@switchyard/cli';
import { createSteps, metricsHandler } from '@switchyard/core';
import { startMockOpenAI } from '@switchyard/testing';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

describe('metrics of embedded steps', () => {
  it('an app serving metricsHandler(steps.runtime.metrics) sees its own routes counted, behind its token', async () => {
    const upstream = await startMockOpenAI();
    const steps = await createSteps(
      {
        providers: { openai: { api_key: 'sk-embed-test-abcdefgh', base_url: upstream.url } },
        models: { summarizer: 'openai/gpt-4o-mini' },
        chain: ['route'],
        log: { level: 'silent' },
      },
      { plugins: builtInPlugins },
    );
    try {
      const app = express();
      app.post('/api/summarize', express.json(), async (_req, res) => {
        const answer = await steps.call(res, { model: 'summarizer', messages: [{ role: 'user', content: 'sum it up' }] });
        res.json({ tokens: answer.usage.outputTokens });
      });
      app.get('/internal/metrics', metricsHandler(steps.runtime.metrics, { token: 'scrape-token-0123456789', processMetrics: false }));
      app.use(steps.errorHandler());

      const served = await request(app).post('/api/summarize').send({});
      expect(served.status).toBe(200);
      expect((await request(app).get('/internal/metrics')).status).toBe(401);
      const scrape = await request(app).get('/internal/metrics').set('authorization', 'Bearer scrape-token-0123456789');
      expect(scrape.status).toBe(200);
      // The request is over when its response closed; the record (and the count) follow at once.
      await expect
        .poll(async () => (await request(app).get('/internal/metrics').set('authorization', 'Bearer scrape-token-0123456789')).text)
        .toMatch(/^switchyard_requests_total\{endpoint="custom",provider="openai",model="openai\/gpt-4o-mini",status_class="2xx",error_code=""\} 1$/m);
      expect(scrape.text).not.toContain('process_cpu');
    } finally {
      await steps.close();
      await upstream.close();
    }
  });
});
