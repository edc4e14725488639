export { testProviderAdapter, reassembleToolCalls } from './test-provider-adapter.js';
export type { ProviderCapabilities, ProviderConformanceTarget } from './provider-conformance-target.js';
export { collectParts, lastUsage, responseText, streamedText } from './stream-helpers.js';
