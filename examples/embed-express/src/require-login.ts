import type { RequestHandler } from 'express';

export interface AppUser {
  id: string;
  name: string;
  team: string;
}

/** Stands in for the app's real login (sessions, JWT …): a bearer token per user. */
export function requireLogin(tokens: ReadonlyMap<string, AppUser>): RequestHandler {
  return (req, res, next) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const user = token ? tokens.get(token) : undefined;
    if (!user) {
      res.status(401).json({ error: { message: 'Log in first.', type: 'authentication_error', code: 'login_required', param: null } });
      return;
    }
    res.locals['user'] = user;
    next();
  };
}
