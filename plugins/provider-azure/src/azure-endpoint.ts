import type { UpstreamRequest } from '@switchyard/core';
import { defaultAzureApiVersion, type AzureOptions } from './azure-options.js';

/** The operations Switchyard calls, as path suffixes shared by both URL styles. */
export type AzureOperation = '/chat/completions' | '/embeddings' | '/models';

/** Where and how to reach one Azure OpenAI resource; computed once per provider. */
export interface AzureEndpoint {
  /** The deployment a client's model name stands for. */
  deploymentFor(model: string): string;
  /** The request of one operation on one deployment (ignored by `/models`). */
  request(method: 'GET' | 'POST', operation: AzureOperation, deployment: string, body?: string): UpstreamRequest;
  /**
   * The endpoint of one deployment in the shape provider-openai's adapters take
   * (`request(method, '/embeddings', body)`), so their translators are reused as is.
   */
  forDeployment(deployment: string): { request(method: 'GET' | 'POST', path: string, body?: string): UpstreamRequest };
  /** Whether the API version takes `stream_options` (see {@link acceptsStreamOptions}). */
  readonly streamOptions: boolean;
}

/**
 * Whether an API version knows `stream_options`; older ones refuse the whole request
 * ("Unrecognized request argument supplied: stream_options"). It came with GA
 * `2024-10-21` and the previews from `2024-09-01-preview` (fixtures/azure-openai/NOTES.md;
 * `2024-08-01-preview` defines the schema but not the field: UNCONFIRMED whether it takes
 * it, so it is not sent). The v1 API (no version, `preview`, `latest`) takes it. Without
 * it a stream carries no usage and is billed the gateway's estimate.
 */
export function acceptsStreamOptions(version: string | undefined): boolean {
  const dated = /^(\d{4}-\d{2}-\d{2})(-preview)?$/.exec(version ?? '');
  if (!dated) return true;
  return dated[2] === undefined ? dated[1]! >= '2024-10-21' : dated[1]! >= '2024-09-01';
}

export function createAzureEndpoint(options: AzureOptions): AzureEndpoint {
  const url = new URL(options.endpoint ?? options.base_url ?? '');
  const origin = url.origin;
  // `https://r.openai.azure.com/openai/v1/` is what the OpenAI SDK is given; tolerate it as the endpoint.
  const basePath = url.pathname.replace(/\/+$/, '').replace(/\/openai(?:\/v1)?$/, '');
  const headers: Record<string, string> = { ...options.headers, 'content-type': 'application/json' };
  if (options.api_key) headers['api-key'] = options.api_key;
  else if (options.bearer_token) headers['authorization'] = `Bearer ${options.bearer_token}`;

  const version = options.api === 'v1' ? options.api_version : (options.api_version ?? defaultAzureApiVersion);
  const query = version === undefined ? '' : `?api-version=${encodeURIComponent(version)}`;
  const pathOf = (operation: AzureOperation, deployment: string): string => {
    if (options.api === 'v1') return `${basePath}/openai/v1${operation}${query}`;
    // The data-plane model list is not per deployment.
    if (operation === '/models') return `${basePath}/openai/models${query}`;
    return `${basePath}/openai/deployments/${encodeURIComponent(deployment)}${operation}${query}`;
  };
  const request: AzureEndpoint['request'] = (method, operation, deployment, body) => ({
    origin,
    path: pathOf(operation, deployment),
    method,
    headers,
    ...(body !== undefined && { body }),
  });
  return {
    deploymentFor: (model) => (Object.hasOwn(options.deployments, model) ? options.deployments[model]! : model),
    request,
    streamOptions: acceptsStreamOptions(version),
    forDeployment: (deployment) => ({
      request: (method, path, body) => request(method, path as AzureOperation, deployment, body),
    }),
  };
}
