/** Names of the OpenAI-compatible services the `openai` plugin knows by `preset:`. */
export const openAIPresetNames = [
  'deepseek',
  'groq',
  'together',
  'fireworks',
  'xai',
  'openrouter',
  'perplexity',
  'ollama',
  'vllm',
  'lmstudio',
] as const;

export type OpenAIPresetName = (typeof openAIPresetNames)[number];

/**
 * What differs between one OpenAI-compatible service and OpenAI itself. Every field
 * is a default: the YAML can override each one (`base_url`, `max_tokens_field`,
 * `stream_usage`, `unsupported_params`, `headers`).
 */
export interface OpenAIPreset {
  name: OpenAIPresetName;
  /** The API root, version path included (Perplexity has none). */
  baseUrl: string;
  /** `required`: a hosted service, `api_key` must be set; `optional`: a local server, a key is sent only when given. */
  auth: 'required' | 'optional';
  /** The output-limit field the service understands; `max_tokens` is the one all of them take. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Whether `stream_options.include_usage` may be sent; usage is read wherever it shows up either way. */
  streamUsage: boolean;
  /** Body fields the service refuses (or silently mishandles) for this model; dropped with a warning. */
  unsupportedParams(model: string): readonly string[];
}

const none = (): readonly string[] => [];
const logprobFields = ['logprobs', 'top_logprobs', 'logit_bias'];

/** The presets, from shared/fixtures/providers/openai-compatible/NOTES.md. */
export const openAIPresets: Record<OpenAIPresetName, OpenAIPreset> = {
  deepseek: {
    name: 'deepseek',
    baseUrl: 'https://api.deepseek.com',
    auth: 'required',
    maxTokensField: 'max_tokens',
    streamUsage: true,
    // The reasoner ignores sampling settings and fails on logprobs.
    unsupportedParams: (model) =>
      /reasoner/i.test(model) ? ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', ...logprobFields] : [],
  },
  groq: {
    name: 'groq',
    baseUrl: 'https://api.groq.com/openai/v1',
    auth: 'required',
    maxTokensField: 'max_tokens',
    streamUsage: true,
    unsupportedParams: () => ['n', ...logprobFields],
  },
  together: { name: 'together', baseUrl: 'https://api.together.xyz/v1', auth: 'required', maxTokensField: 'max_tokens', streamUsage: true, unsupportedParams: none },
  fireworks: { name: 'fireworks', baseUrl: 'https://api.fireworks.ai/inference/v1', auth: 'required', maxTokensField: 'max_tokens', streamUsage: true, unsupportedParams: none },
  xai: {
    name: 'xai',
    baseUrl: 'https://api.x.ai/v1',
    auth: 'required',
    maxTokensField: 'max_tokens',
    streamUsage: true,
    // Grok 4 reasons always and refuses these (general knowledge, unconfirmed by a fixture).
    unsupportedParams: (model) => (/grok-4/i.test(model) ? ['presence_penalty', 'frequency_penalty', 'stop', 'reasoning_effort'] : []),
  },
  openrouter: { name: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1', auth: 'required', maxTokensField: 'max_tokens', streamUsage: true, unsupportedParams: none },
  perplexity: {
    name: 'perplexity',
    baseUrl: 'https://api.perplexity.ai',
    auth: 'required',
    maxTokensField: 'max_tokens',
    // Not documented as accepted; Perplexity reports usage on its stream chunks without it.
    streamUsage: false,
    unsupportedParams: () => ['tools', 'tool_choice', 'parallel_tool_calls', 'n', ...logprobFields],
  },
  ollama: { name: 'ollama', baseUrl: 'http://localhost:11434/v1', auth: 'optional', maxTokensField: 'max_tokens', streamUsage: true, unsupportedParams: none },
  vllm: { name: 'vllm', baseUrl: 'http://localhost:8000/v1', auth: 'optional', maxTokensField: 'max_tokens', streamUsage: true, unsupportedParams: none },
  lmstudio: { name: 'lmstudio', baseUrl: 'http://localhost:1234/v1', auth: 'optional', maxTokensField: 'max_tokens', streamUsage: true, unsupportedParams: none },
};
