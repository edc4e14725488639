import { GatewayError, type HttpModelsAdapter, type ModelInfo, type UpstreamRequest } from '@switchyard/core';
import type { GeminiEndpoint } from './gemini-endpoint.js';

interface GeminiModelList {
  models?: Array<{ name?: unknown; supportedGenerationMethods?: unknown }>;
  nextPageToken?: unknown;
}

/** Gemini's largest page; one page holds the whole list today. */
const pageSize = 1000;

/** Methods the gateway can call; models offering none of them (Imagen, Veo …) are left out. */
const usableMethods = new Set(['generateContent', 'streamGenerateContent', 'embedContent', 'batchEmbedContents']);

/**
 * `GET /models`, so new models appear without a code change. `nextPageRequest` gives
 * the request for the following page, for a core that follows pages (bounded by
 * the caller); the first page already asks for Gemini's maximum page size.
 */
export interface GeminiModelsAdapter extends HttpModelsAdapter {
  nextPageRequest(body: unknown): UpstreamRequest | undefined;
}

export function createGeminiModelsAdapter(endpoint: GeminiEndpoint, provider: string): GeminiModelsAdapter {
  const page = (token?: string) =>
    endpoint.request('GET', `/models?pageSize=${pageSize}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
  return {
    buildRequest: () => page(),
    nextPageRequest(body: unknown) {
      const token = (body as GeminiModelList | undefined)?.nextPageToken;
      return typeof token === 'string' && token !== '' ? page(token) : undefined;
    },
    parseResponse(body: unknown): ModelInfo[] {
      const list = body as GeminiModelList;
      if (!Array.isArray(list?.models)) {
        // An empty project answers `{}`: no models is not an error.
        if (typeof list === 'object' && list !== null && !('models' in list)) return [];
        throw new GatewayError('upstream_invalid_response', `The ${provider} model list has no models.`, { provider });
      }
      return list.models.flatMap((model): ModelInfo[] => {
        if (typeof model.name !== 'string') return [];
        const methods = model.supportedGenerationMethods;
        if (Array.isArray(methods) && !methods.some((method) => usableMethods.has(method as string))) return [];
        return [{ id: model.name.replace(/^models\//, ''), ownedBy: 'google' }];
      });
    },
  };
}
