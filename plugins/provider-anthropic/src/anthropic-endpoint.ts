import type { UpstreamRequest } from '@switchyard/core';
import type { AnthropicOptions } from './anthropic-options.js';

/** Where and how to reach one Anthropic API; computed once per provider. */
export interface AnthropicEndpoint {
  /** `path` starts after the version: `/messages`, `/models?limit=1000`. `betas` are added to the configured ones. */
  request(method: 'GET' | 'POST', path: string, body?: string, betas?: readonly string[]): UpstreamRequest;
}

export function createAnthropicEndpoint(options: AnthropicOptions): AnthropicEndpoint {
  const url = new URL(options.base_url);
  const origin = url.origin;
  // The SDKs take the origin and add /v1 themselves; a base_url copied with /v1 must not become /v1/v1.
  const basePath = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '') + '/v1';
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    'anthropic-version': options.anthropic_version,
  };
  if (options.auth_header === 'authorization') headers['authorization'] = `Bearer ${options.api_key}`;
  else headers['x-api-key'] = options.api_key;
  if (options.beta.length > 0) headers['anthropic-beta'] = options.beta.join(',');

  return {
    request(method, path, body, betas = []) {
      let requestHeaders = headers;
      const extra = betas.filter((flag) => !options.beta.includes(flag));
      if (extra.length > 0) {
        requestHeaders = { ...headers, 'anthropic-beta': [...options.beta, ...new Set(extra)].join(',') };
      }
      return { origin, path: basePath + path, method, headers: requestHeaders, ...(body !== undefined && { body }) };
    },
  };
}
