import { startMockGemini, testProviderAdapter } from '@switchyard/testing';
import gemini from '../src/index.js';

const apiKey = 'AIza-conformance-key';

testProviderAdapter({
  name: 'gemini',
  provider: gemini,
  startUpstream: () => startMockGemini({ apiKey }),
  options: (upstream) => ({ api_key: apiKey, base_url: upstream.url }),
  model: 'gemini-2.5-flash',
  embeddingModel: 'gemini-embedding-001',
  // Gemini reads only its own Files API URIs; other https images are refused.
  imageUrls: false,
  stopSequencesOf: (request) => (request.body as { generationConfig?: { stopSequences?: unknown } }).generationConfig?.stopSequences,
  asksForJson: (request) =>
    (request.body as { generationConfig?: { responseMimeType?: unknown } }).generationConfig?.responseMimeType === 'application/json',
});
