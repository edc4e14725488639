import { openAIBaseUrl, type OpenAIOptions, type OpenAIProviderOptions } from '../openai-options.js';
import { openAIPresets } from './openai-presets.js';

/** The YAML options with the preset's defaults, then OpenAI's, filled in; whatever the YAML says wins. */
export function resolveOpenAIOptions(options: OpenAIProviderOptions): OpenAIOptions {
  const preset = options.preset ? openAIPresets[options.preset] : undefined;
  return {
    ...options,
    headers: options.headers ?? {},
    timeouts: options.timeouts ?? {},
    models_ttl_ms: options.models_ttl_ms ?? 300000,
    base_url: options.base_url ?? preset?.baseUrl ?? openAIBaseUrl,
    max_tokens_field: options.max_tokens_field ?? preset?.maxTokensField ?? 'max_completion_tokens',
  };
}
