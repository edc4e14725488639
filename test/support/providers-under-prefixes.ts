/**
 * Every HTTP provider plugin pointed at one loopback upstream, each under its own path
 * prefix (`/openai/v1`, `/anthropic/` …) so the upstream knows whose wire format to
 * answer in, with test credentials of each provider's shape.
 */
export function providersUnderPrefixes(url: string): Record<string, Record<string, string>> {
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
