import { GatewayError, type HttpModelsAdapter, type ModelInfo } from '@switchyard/core';
import type { CohereEndpoint } from './cohere-endpoint.js';

interface CohereModelList {
  models?: Array<{ name?: unknown }>;
  next_page_token?: unknown;
}

const pageSize = 1000;

/**
 * `GET /v1/models` (Cohere lists models under v1 only), so new models appear without
 * a code change. Pages are followed through `next_page_token`.
 */
export function createCohereModelsAdapter(endpoint: CohereEndpoint, provider: string): HttpModelsAdapter {
  return {
    buildRequest: () => endpoint.request('GET', `/v1/models?page_size=${pageSize}`),
    parseResponse(body: unknown): ModelInfo[] {
      const list = body as CohereModelList;
      if (!Array.isArray(list?.models)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} model list has no models.`, { provider });
      }
      return list.models
        .filter((model): model is { name: string } => typeof model?.name === 'string' && model.name !== '')
        .map((model) => ({ id: model.name, ownedBy: 'cohere' }));
    },
    nextPageRequest(body: unknown) {
      const token = (body as CohereModelList)?.next_page_token;
      if (typeof token !== 'string' || token === '') return undefined;
      return endpoint.request('GET', `/v1/models?page_size=${pageSize}&page_token=${encodeURIComponent(token)}`);
    },
  };
}
