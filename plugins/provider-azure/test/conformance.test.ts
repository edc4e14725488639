import { startMockAzure, testProviderAdapter, type RecordedRequest } from '@switchyard/testing';
import azure from '../src/index.js';

const body = (request: RecordedRequest) => request.body as Record<string, unknown>;
const apiKey = 'azure-conformance-0123456789';

testProviderAdapter({
  name: 'azure',
  provider: azure,
  startUpstream: () => startMockAzure({ apiKey }),
  options: (upstream) => ({ api_key: apiKey, endpoint: upstream.url }),
  model: 'gpt-4o-mini',
  embeddingModel: 'text-embedding-3-small',
  stopSequencesOf: (request) => body(request)['stop'],
  asksForJson: (request) => ['json_object', 'json_schema'].includes((body(request)['response_format'] as { type?: string } | undefined)?.type ?? ''),
});

testProviderAdapter({
  name: 'azure',
  provider: azure,
  startUpstream: () => startMockAzure({ bearerToken: 'entra-token-conformance' }),
  options: (upstream) => ({ bearer_token: 'entra-token-conformance', endpoint: upstream.url, api: 'v1' }),
  model: 'gpt-4o-mini',
  embeddingModel: 'text-embedding-3-small',
  stopSequencesOf: (request) => body(request)['stop'],
  asksForJson: (request) => ['json_object', 'json_schema'].includes((body(request)['response_format'] as { type?: string } | undefined)?.type ?? ''),
});
