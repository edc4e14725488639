import { onceModels } from './request-records.js';

/**
 * Every HTTP provider plugin pointed at one loopback upstream, each under its own path
 * prefix (`/openai/v1`, `/anthropic/` …) so the upstream knows whose wire format to
 * answer in, with test credentials of each provider's shape.
 */
export function providersUnderPrefixes(url: string): Record<PrefixedProvider, Record<string, string>> {
  return {
    openai: { api_key: 'sk-openai-test-0123456789', base_url: `${url}/openai/v1` },
    azure: { api_key: 'azure-test-key-0123456789', endpoint: `${url}/azure/` },
    mistral: { api_key: 'mistral-test-key-0123456789', base_url: `${url}/mistral/v1` },
    anthropic: { api_key: 'sk-ant-test-0123456789', base_url: `${url}/anthropic/` },
    gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: `${url}/gemini/` },
    cohere: { api_key: 'cohere-test-key-0123456789', base_url: `${url}/cohere/` },
    bedrock: { region: 'us-east-1', endpoint: `${url}/bedrock/`, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-test-secret-0123456789' },
  };
}

export type PrefixedProvider = 'openai' | 'azure' | 'mistral' | 'anthropic' | 'gemini' | 'cohere' | 'bedrock';
export const prefixedProviders: readonly PrefixedProvider[] = ['openai', 'azure', 'mistral', 'anthropic', 'gemini', 'cohere', 'bedrock'];

/** The provider whose prefix a request's path is under (the upstream's side of `providersUnderPrefixes`). */
export function providerOfPath(path: string | undefined): PrefixedProvider | undefined {
  return prefixedProviders.find((name) => path?.startsWith(`/${name}/`));
}

/**
 * A gateway config for `providersUnderPrefixes(url)`: a model `<provider>-once` for each
 * `provider → provider/model` in `targets` (no retries), and no circuit breaker, so each
 * case reaches the upstream whatever the one before it answered.
 */
export function onceConfigUnderPrefixes(url: string, targets: Partial<Record<PrefixedProvider, string>>): Record<string, unknown> {
  const all = providersUnderPrefixes(url);
  return {
    providers: Object.fromEntries(Object.keys(targets).map((name) => [name, all[name as PrefixedProvider]])),
    chain: [{ auth: {} }, { 'key-scope': {} }, { route: {} }, { adapter: {} }],
    models: onceModels(targets as Record<string, string>),
  };
}
