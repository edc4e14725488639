import type { UpstreamRequest } from '@switchyard/core';
import type { OpenAIOptions } from './openai-options.js';

/** Where and how to reach one OpenAI-compatible API; computed once per provider. */
export interface OpenAIEndpoint {
  request(method: 'GET' | 'POST', path: string, body?: string): UpstreamRequest;
}

export function createOpenAIEndpoint(options: OpenAIOptions): OpenAIEndpoint {
  const url = new URL(options.base_url);
  const origin = url.origin;
  const basePath = url.pathname.replace(/\/+$/, '');
  const headers: Record<string, string> = { ...options.headers, 'content-type': 'application/json' };
  if (options.api_key) headers['authorization'] = `Bearer ${options.api_key}`;
  if (options.organization) headers['openai-organization'] = options.organization;
  if (options.project) headers['openai-project'] = options.project;
  return {
    request: (method, path, body) => ({ origin, path: basePath + path, method, headers, ...(body !== undefined && { body }) }),
  };
}
