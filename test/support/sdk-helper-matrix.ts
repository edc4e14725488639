import type { MockUpstream } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { providerMocks, type ProviderMockName } from './provider-mocks.js';
import { startTestGateway, type TestGateway } from './start-test-gateway.js';

/**
 * What the SDK helper tests (openai-sdk-helpers, anthropic-sdk-helpers) share: every
 * provider's mock upstream, and one gateway per path in front of them all, the fast path
 * (where the provider speaks the client's dialect) and the translated one. Each provider has
 * a `<name>-once` model with no retries: what the upstream answered is what the client reads.
 */

export const providerNames = Object.keys(providerMocks) as ProviderMockName[];
export const paths = { fast: {}, translated: { server: { fast_path: false } } } as const;
export type PathName = keyof typeof paths;
export const pathNames = Object.keys(paths) as PathName[];

export interface SdkHelperMatrix {
  upstreams: Record<ProviderMockName, MockUpstream<string>>;
  gateways: Record<PathName, TestGateway>;
}

/** Starts the upstreams and gateways before the file's tests (reset before each), closes them after. */
export function useSdkHelperMatrix(): SdkHelperMatrix {
  const matrix: SdkHelperMatrix = { upstreams: {} as SdkHelperMatrix['upstreams'], gateways: {} as SdkHelperMatrix['gateways'] };
  beforeAll(async () => {
    for (const name of providerNames) matrix.upstreams[name] = await providerMocks[name].start();
    const providers = Object.fromEntries(providerNames.map((name) => [name, providerMocks[name].options(matrix.upstreams[name].url)]));
    const models = Object.fromEntries(providerNames.map((name) => [`${name}-once`, { deployments: [{ target: `${name}/${providerMocks[name].model}` }], retries: { attempts: 0 } }]));
    for (const path of pathNames) matrix.gateways[path] = await startTestGateway({ providers, models, ...paths[path] });
  });
  afterAll(async () => {
    for (const gateway of Object.values(matrix.gateways)) await gateway?.close();
    for (const name of providerNames) await matrix.upstreams[name]?.close();
  });
  beforeEach(() => {
    for (const name of providerNames) matrix.upstreams[name].reset();
  });
  return matrix;
}

/** A gateway with the response cache before the route, in front of one provider's upstream. */
export function startCachingGateway(provider: ProviderMockName, upstream: MockUpstream<string>): Promise<TestGateway> {
  return startTestGateway({
    providers: { [provider]: providerMocks[provider].options(upstream.url) },
    chain: ['auth', { cache: { ttl_seconds: 60 } }, 'route', 'adapter'],
  });
}

/** The answers and tool calls both files' mock upstreams are told to give. */
export const answer = "It's 18°C and partly cloudy in Paris.";
export const weather = { city: 'Paris', unit: 'celsius' };
export const twoCalls = [
  { name: 'get_weather', arguments: weather },
  { name: 'get_time', arguments: { city: 'Paris' } },
];
export const forecast = { city: 'Paris', temperature: 18, sky: 'partly cloudy' };
