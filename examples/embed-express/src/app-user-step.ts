import { definePlugin, GatewayError, getContext } from '@switchyard/core';
import type { AppUser } from './require-login.js';

/**
 * A chain step of our own: the app has already logged the user in, so instead of
 * Switchyard keys the gateway is told who is calling from the app's session.
 * Usage and logs are then attributed to the app's user and team.
 */
export const appUserStep = definePlugin<Record<string, never>>({
  name: 'app-user',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => (_req, res, next) => {
    const user = res.locals['user'] as AppUser | undefined;
    if (!user) throw new GatewayError('missing_api_key', 'Log in first.');
    getContext(res).principal = { kind: 'static', keyId: `user:${user.id}`, name: user.name, team: user.team };
    next();
  },
});
