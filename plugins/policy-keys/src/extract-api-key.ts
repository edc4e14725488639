import type { Request } from 'express';

/** The key a client presented: `Authorization: Bearer …` (OpenAI style) or `x-api-key` (Anthropic style). */
export function extractApiKey(req: Request): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = req.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}
