import type { RequestHandler } from 'express';

/**
 * No inline script or style, nothing from another origin: the page, its modules and
 * uPlot are all served from here, so `'self'` is the whole list. Framing is refused
 * (clickjacking a revoke button), and no referrer leaves with a link.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every dashboard answer carries. */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('content-security-policy', contentSecurityPolicy);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    next();
  };
}
