import type { Request } from 'express';

/**
 * The key a client presented: `Authorization: Bearer …` (OpenAI style), `x-api-key`
 * (Anthropic style) or `x-goog-api-key` (Gemini's SDKs, for a Gemini ingress plugin).
 * Never a query parameter: a key in a URL ends up in access logs.
 */
export function extractApiKey(req: Request): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  for (const header of ['x-api-key', 'x-goog-api-key']) {
    const apiKey = req.headers[header];
    if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
  }
  return undefined;
}
