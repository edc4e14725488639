import { createSteps, type SwitchyardSteps } from '@switchyard/core';
import { auth, keyScope } from '@switchyard/policy-keys';
import { rateLimit } from '@switchyard/policy-rate-limit';
import route from '@switchyard/policy-router';
import mock from '@switchyard/provider-mock';
import express, { type Router } from 'express';

/**
 * The app's own JSON API, `POST /api/summarize`, protected by Switchyard instead of
 * the app's login: callers are other services holding a Switchyard key, limited to
 * 30 requests a minute, and the handler calls a model as a function.
 */
export async function createSummarizeRoute(serviceKey: string, logLevel: string): Promise<{ router: Router; switchyard: SwitchyardSteps }> {
  const switchyard = await createSteps(
    {
      providers: { mock: {} },
      models: { summarizer: 'mock/echo' },
      chain: [{ auth: { keys: [{ name: 'reporting-service', key: serviceKey, team: 'reporting' }] } }, 'key-scope', { 'rate-limit': { limits: { teams: { reporting: { rpm: 30 } } } } }, 'route'],
      log: { level: logLevel },
    },
    { plugins: [mock, route, auth, keyScope, rateLimit] },
  );

  const router = express.Router();
  router.post(
    '/api/summarize',
    express.json({ limit: '64kb' }),
    switchyard.step('auth'),
    switchyard.step('key-scope'),
    switchyard.step('rate-limit'),
    async (req, res) => {
      const text = (req.body as { text?: unknown }).text;
      const answer = await switchyard.call(res, {
        model: 'summarizer',
        // The request parser bounds the text like any client's prompt.
        messages: [{ role: 'user', content: typeof text === 'string' ? text : '' }],
      });
      const summary = answer.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
      res.json({ summary });
    },
  );
  router.use(switchyard.errorHandler());
  return { router, switchyard };
}
