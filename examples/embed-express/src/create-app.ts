import { createGateway, type Gateway, type SwitchyardSteps } from '@switchyard/core';
import route from '@switchyard/policy-router';
import mock from '@switchyard/provider-mock';
import openai from '@switchyard/provider-openai';
import express, { type Express } from 'express';
import { appUserStep } from './app-user-step.js';
import { requireLogin, type AppUser } from './require-login.js';
import { createSummarizeRoute } from './summarize-route.js';

export interface ExampleApp {
  app: Express;
  gateway: Gateway;
  /** The steps protecting `/api/summarize`. */
  switchyard: SwitchyardSteps;
  /** Closes the gateway and the steps. */
  close(): Promise<void>;
}

/**
 * An existing Express app (its own routes, its own login) with the AI gateway
 * mounted under /ai, and one route of its own protected by Switchyard steps.
 * Providers are the mock, plus OpenAI when a key is set.
 */
export async function createApp(tokens: ReadonlyMap<string, AppUser>, env = process.env): Promise<ExampleApp> {
  const gateway = await createGateway(
    {
      providers: {
        mock: {},
        ...(env['OPENAI_API_KEY'] && { openai: { api_key: env['OPENAI_API_KEY'] } }),
      },
      // The app's code asks for 'assistant'; switching models is this one line.
      models: { assistant: 'mock/echo' },
      chain: ['app-user', 'route', 'adapter'],
      log: { level: env['LOG_LEVEL'] ?? 'warn' },
    },
    { plugins: [mock, openai, route, appUserStep] },
  );

  const summarize = await createSummarizeRoute(env['SUMMARIZE_KEY'] ?? 'sy-demo-summarize-key-0123456789', env['LOG_LEVEL'] ?? 'warn');

  const app = express();
  app.get('/api/hello', (_req, res) => {
    res.json({ hello: 'from the app' });
  });
  app.use(summarize.router);
  app.use('/ai', requireLogin(tokens), gateway.router);
  return {
    app,
    gateway,
    switchyard: summarize.switchyard,
    close: async () => {
      await summarize.switchyard.close();
      await gateway.close();
    },
  };
}
