import type { UpstreamRequest } from '@switchyard/core';
import type { CohereOptions } from './cohere-options.js';

/** Where and how to reach one Cohere API; computed once per provider. */
export interface CohereEndpoint {
  /** `path` includes the version: `/v2/chat`, `/v1/models?page_size=1000`. */
  request(method: 'GET' | 'POST', path: string, body?: string): UpstreamRequest;
}

export function createCohereEndpoint(options: CohereOptions): CohereEndpoint {
  const url = new URL(options.base_url);
  const origin = url.origin;
  // Chat and embed live under /v2 but models under /v1, so a base_url copied with either version is cut back to the root.
  const basePath = url.pathname.replace(/\/+$/, '').replace(/\/v[12]$/, '');
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    authorization: `Bearer ${options.api_key}`,
  };
  return {
    request(method, path, body) {
      return { origin, path: basePath + path, method, headers, ...(body !== undefined && { body }) };
    },
  };
}
