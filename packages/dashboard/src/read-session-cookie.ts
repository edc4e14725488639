import type { IncomingMessage } from 'node:http';

/** The dashboard's cookie name; `__Host-` needs Secure, which plain-HTTP local use lacks, so a plain name. */
export const sessionCookieName = 'switchyard_dashboard';

/** The session id in the request's cookie header, if there is exactly a plausible one. */
export function readSessionCookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === sessionCookieName) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value for a session id (or an expired one to clear it). */
export function sessionCookie(id: string | undefined, secure: boolean): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  return id === undefined
    ? [`${sessionCookieName}=`, 'Max-Age=0', ...attributes].join('; ')
    : [`${sessionCookieName}=${id}`, ...attributes].join('; ');
}
