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
    modelPath,
  };
}

/**
 * `/models/{id}` or `/tunedModels/{id}`, the id in one encoded path segment: a name such
 * as `models/gemini-2.5-flash/../gemini-2.5-pro` must not call another model than the one
 * a key's scope allowed and the price catalog priced (the URL would resolve the `..`),
 * nor another method (`?`, `#`, `:`).
 */
function modelPath(model: string): string {
  const resource = /^(models|tunedModels)\/(.+)$/s.exec(model);
  return resource ? `/${resource[1]}/${encodeURIComponent(resource[2]!)}` : `/models/${encodeURIComponent(model)}`;
}
