import type { UpstreamRequest } from '@switchyard/core';
import type { GeminiOptions } from './gemini-options.js';

/** Where and how to reach one Gemini API; computed once per provider. */
export interface GeminiEndpoint {
  /** `path` is relative to the base URL (`/models/gemini-2.5-flash:generateContent`), query included. */
  request(method: 'GET' | 'POST', path: string, body?: string): UpstreamRequest;
  /** `/models/{model}`, for a bare model id or one already given as `models/…` / `tunedModels/…`. */
  modelPath(model: string): string;
}

export function createGeminiEndpoint(options: GeminiOptions): GeminiEndpoint {
  const url = new URL(options.base_url);
  const origin = url.origin;
  const basePath = url.pathname.replace(/\/+$/, '');
  // The key goes in a header, never in `?key=`: query strings end up in access logs.
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    'x-goog-api-key': options.api_key,
  };
  return {
    request: (method, path, body) => ({ origin, path: basePath + path, method, headers, ...(body !== undefined && { body }) }),
    modelPath: (model) => (/^(models|tunedModels)\//.test(model) ? `/${model}` : `/models/${encodeURIComponent(model)}`),
  };
}
