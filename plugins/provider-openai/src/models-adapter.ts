import { GatewayError, type HttpModelsAdapter, type ModelInfo } from '@switchyard/core';
import type { OpenAIEndpoint } from './openai-endpoint.js';

interface OpenAIModelList {
  data?: Array<{ id?: unknown; owned_by?: unknown; created?: unknown }>;
}

/** `GET /models`, so new models appear in the gateway without a code change. */
export function createModelsAdapter(endpoint: OpenAIEndpoint, provider: string): HttpModelsAdapter {
  return {
    buildRequest: () => endpoint.request('GET', '/models'),
    parseResponse(body: unknown): ModelInfo[] {
      const list = body as OpenAIModelList;
      if (!Array.isArray(list?.data)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} model list has no data.`, { provider });
      }
      // An entry that is not an object is skipped (`null` was read as one: a TypeError lost the whole list).
      return list.data
        .filter((model): model is { id: string; owned_by?: unknown; created?: unknown } => typeof model?.id === 'string')
        .map((model) => ({
          id: model.id,
          ...(typeof model.owned_by === 'string' && { ownedBy: model.owned_by }),
          // Whole Unix seconds only: 1e309 (Infinity) was written into the client's list as `null`.
          ...(Number.isSafeInteger(model.created) && (model.created as number) >= 0 && { created: model.created as number }),
        }));
    },
  };
}
