import { GatewayError, type HttpModelsAdapter, type ModelInfo } from '@switchyard/core';
import type { AnthropicEndpoint } from './anthropic-endpoint.js';

interface AnthropicModelList {
  data?: Array<{ id?: unknown; display_name?: unknown; created_at?: unknown }>;
}

/**
 * `GET /v1/models`, so new models appear in the gateway without a code change. The
 * list is paged (20 by default); one page of the largest size holds them all.
 */
export function createModelsAdapter(endpoint: AnthropicEndpoint, provider: string): HttpModelsAdapter {
  return {
    buildRequest: () => endpoint.request('GET', '/models?limit=1000'),
    parseResponse(body: unknown): ModelInfo[] {
      const list = body as AnthropicModelList;
      if (!Array.isArray(list?.data)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} model list has no data.`, { provider });
      }
      return list.data
        .filter((model): model is { id: string; created_at?: unknown } => typeof model?.id === 'string')
        .map((model) => {
          const created = typeof model.created_at === 'string' ? Date.parse(model.created_at) : Number.NaN;
          return { id: model.id, ownedBy: 'anthropic', ...(!Number.isNaN(created) && { created: Math.floor(created / 1000) }) };
        });
    },
  };
}
