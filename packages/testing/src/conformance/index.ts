export { testProviderAdapter, reassembleToolCalls } from './test-provider-adapter.js';
export type { ProviderConformanceTarget } from './provider-conformance-target.js';
