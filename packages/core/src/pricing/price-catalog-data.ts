import type { CatalogModelPrice, ProviderPriceSheet } from './model-price.js';

// Published list prices, USD per million tokens, standard (non-batch, non-priority)
// tier. Where a provider bills long prompts at a higher tier, the catalog holds the
// short-prompt tier and says so in `notes`. docs/pricing.md explains every source.

const openAIModels: Record<string, CatalogModelPrice> = {
  'gpt-5': { input: 1.25, cached_input: 0.125, output: 10, max_output: 128_000 },
  'gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2, max_output: 128_000 },
  'gpt-4.1': { input: 2, cached_input: 0.5, output: 8, max_output: 32_768 },
  'gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6, max_output: 32_768 },
  'gpt-4.1-nano': { input: 0.1, cached_input: 0.025, output: 0.4, max_output: 32_768 },
  'gpt-4o': { input: 2.5, cached_input: 1.25, output: 10, max_output: 16_384 },
  // The first snapshot kept its launch price and has no cached rate: without its own entry it
  // was found as gpt-4o, at half of what it bills.
  'gpt-4o-2024-05-13': { input: 5, output: 15, max_output: 4_096 },
  'gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6, max_output: 16_384 },
  o3: { input: 2, cached_input: 0.5, output: 8, max_output: 100_000 },
  'o4-mini': { input: 1.1, cached_input: 0.275, output: 4.4, max_output: 100_000 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
};

// Anthropic bills a cache write at 1.25x input (5-minute TTL) and a cache read at 0.1x.
const anthropicModels = {
  opus41: { input: 15, cache_write: 18.75, cached_input: 1.5, output: 75, max_output: 32_000 },
  sonnet45: {
    input: 3,
    cache_write: 3.75,
    cached_input: 0.3,
    output: 15,
    max_output: 64_000,
    notes: 'Prompts over 200k tokens (1M-context beta) bill at $6 input / $22.50 output; not modelled.',
  },
  sonnet4: {
    input: 3,
    cache_write: 3.75,
    cached_input: 0.3,
    output: 15,
    max_output: 64_000,
    notes: 'Prompts over 200k tokens (1M-context beta) bill at $6 input / $22.50 output; not modelled.',
  },
  haiku45: { input: 1, cache_write: 1.25, cached_input: 0.1, output: 5, max_output: 64_000 },
  haiku35: { input: 0.8, cache_write: 1, cached_input: 0.08, output: 4, max_output: 8_192 },
} satisfies Record<string, CatalogModelPrice>;

/**
 * Every built-in price, by provider name. The provider names are the ones the
 * bundled provider plugins and OpenAI-compatible presets use.
 */
export const builtInPriceSheets: Readonly<Record<string, ProviderPriceSheet>> = {
  openai: {
    source: 'https://developers.openai.com/api/docs/pricing',
    as_of: '2026-06-21',
    notes:
      'gpt-4.1 ($2/$0.50/$8) and gpt-5-mini ($0.25/$0.025/$2) were read from OpenAI model pages and the GitHub Copilot price table that quotes them; ' +
      'the other rates agree across several third-party copies of the OpenAI pricing page dated March-June 2026 but were not read on OpenAI\'s own page, ' +
      'which by late 2026 lists mainly the GPT-5.4/5.5 family. Cached-input rates for gpt-5, o3 and o4-mini are unconfirmed (third-party copies disagree).',
    models: openAIModels,
  },
  azure: {
    source: 'https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/',
    as_of: '2026-06-01',
    notes:
      'Global Standard deployments, which Microsoft prices like OpenAI\'s own API; keyed by the OpenAI model name, not the deployment name. ' +
      'Data Zone and Regional deployments cost about 10% more and are not modelled: override them in `prices:`. ' +
      'Only the gpt-4.1 and gpt-4o families were seen, on third-party copies of the Azure page dated up to June 2026; the rest mirror the OpenAI ' +
      'sheet, unconfirmed.',
    models: openAIModels,
  },
  anthropic: {
    source: 'https://platform.claude.com/docs/en/about-claude/pricing',
    as_of: '2026-10-24',
    notes:
      'Read from the Claude pricing page. cache_write is the 5-minute cache write (1.25x input); 1-hour cache writes, which usage counts apart ' +
      '(cache_creation.ephemeral_1h_input_tokens), cost 2x input, the default of cache_write_1h. Claude Opus 4.1 is retired on the Claude API (still on Bedrock ' +
      'and Google Cloud); Claude Haiku 3.5 is listed but may be retired on the Claude API.',
    models: {
      'claude-opus-4-1': anthropicModels.opus41,
      'claude-sonnet-4-5': anthropicModels.sonnet45,
      'claude-sonnet-4': anthropicModels.sonnet4,
      'claude-haiku-4-5': anthropicModels.haiku45,
      'claude-3-5-haiku': anthropicModels.haiku35,
    },
  },
  gemini: {
    source: 'https://ai.google.dev/gemini-api/docs/pricing',
    as_of: '2026-09-20',
    notes:
      'Paid tier, text/image/video input. Input and output rates of 2.5 Pro and 2.5 Flash, Flash-Lite output and gemini-embedding-001 were read ' +
      'from a dated transcription of the Gemini pricing page and Google AI forum posts; the cached-input rates of 2.5 Flash ($0.03) and Flash-Lite ($0.01) ' +
      'and Flash-Lite input ($0.10) are unconfirmed. Context-cache storage (per token-hour) and audio input rates are not modelled.',
    models: {
      'gemini-2.5-pro': {
        input: 1.25,
        cached_input: 0.125,
        output: 10,
        max_output: 65_536,
        notes: 'Prompts over 200k tokens bill at $2.50 input / $0.25 cached / $15 output; not modelled.',
      },
      'gemini-2.5-flash': { input: 0.3, cached_input: 0.03, output: 2.5, max_output: 65_536 },
      'gemini-2.5-flash-lite': { input: 0.1, cached_input: 0.01, output: 0.4, max_output: 65_536 },
      'gemini-embedding-001': { input: 0.15, output: 0 },
    },
  },
  mistral: {
    source: 'https://mistral.ai/pricing#api-pricing',
    as_of: '2026-04-29',
    notes:
      'Not read on Mistral\'s own page; taken from third-party copies dated February-April 2026, which disagree on two models: ' +
      'mistral-large-latest (Mistral Large 3) is $0.50/$1.50 in most copies and $2/$6 (the Large 2.1 price) in others; ' +
      'mistral-small-latest is $0.10/$0.30 (Small 3.2) in most and $0.20/$0.60 in one. Mistral publishes no cached-input discount.',
    models: {
      'mistral-large-latest': { input: 0.5, output: 1.5, notes: 'Unconfirmed: some copies list $2 / $6.' },
      'mistral-medium-latest': { input: 0.4, output: 2 },
      'mistral-small-latest': { input: 0.1, output: 0.3, notes: 'Unconfirmed: one copy lists $0.20 / $0.60.' },
      'codestral-latest': { input: 0.3, output: 0.9 },
      'mistral-embed': { input: 0.1, output: 0 },
    },
  },
  cohere: {
    source: 'https://cohere.com/pricing',
    as_of: '2026-11-11',
    notes:
      'command-r ($0.15/$0.60) was seen on a capture of the Cohere pricing page dated 2026-11-11, which lists Command R+ only as legacy, ' +
      'existing-customer pricing. command-a-03-2025 ($2.50/$10), command-r-plus ($2.50/$10) and embed-v4.0 ($0.12 per million text tokens; ' +
      'images $0.47, not modelled) come from third-party copies. Cohere bills `billed_units`, which can be lower than the token counts.',
    models: {
      'command-a-03-2025': { input: 2.5, output: 10, max_output: 8_000 },
      'command-r-plus': { input: 2.5, output: 10, max_output: 4_096 },
      'command-r-plus-08-2024': { input: 2.5, output: 10, max_output: 4_096 },
      'command-r': { input: 0.15, output: 0.6, max_output: 4_096 },
      'command-r-08-2024': { input: 0.15, output: 0.6, max_output: 4_096 },
      'embed-v4.0': { input: 0.12, output: 0 },
    },
  },
  deepseek: {
    source: 'https://api-docs.deepseek.com/quick_start/pricing',
    as_of: '2026-05-22',
    notes:
      'Since the V4 release, deepseek-chat and deepseek-reasoner are compatibility aliases for the non-thinking and thinking modes of ' +
      'deepseek-v4-flash and are billed as it; DeepSeek announced they would stop working after 2026-07-24. Cache-hit prices were cut to 1/10 ' +
      'on 2026-04-26. deepseek-v4-pro is at its discounted price, which DeepSeek reportedly made permanent (unconfirmed). Read from copies of the ' +
      'DeepSeek pricing page, not the live page.',
    models: {
      'deepseek-chat': { input: 0.14, cached_input: 0.0028, output: 0.28, max_output: 384_000 },
      'deepseek-reasoner': { input: 0.14, cached_input: 0.0028, output: 0.28, max_output: 384_000 },
      'deepseek-v4-flash': { input: 0.14, cached_input: 0.0028, output: 0.28, max_output: 384_000 },
      'deepseek-v4-pro': {
        input: 0.435,
        cached_input: 0.003625,
        output: 0.87,
        max_output: 384_000,
        notes: 'Unconfirmed: the list price before the discount was $1.74 / $0.0145 / $3.48.',
      },
    },
  },
  groq: {
    source: 'https://groq.com/pricing',
    as_of: '2026-11-27',
    notes:
      'Unconfirmed: not read on Groq\'s own page; the rates agree across several undated third-party copies (as_of is the day they were checked). ' +
      'max_output values are unconfirmed.',
    models: {
      'llama-3.3-70b-versatile': { input: 0.59, output: 0.79, max_output: 32_768 },
      'llama-3.1-8b-instant': { input: 0.05, output: 0.08, max_output: 131_072 },
    },
  },
  xai: {
    source: 'https://docs.x.ai/docs/models',
    as_of: '2026-11-27',
    notes:
      'Unconfirmed: not read on xAI\'s own page; checked against undated third-party copies on the as_of day. grok-4 ($3/$0.75 cached/$15) agrees across third-party copies; prompts over 128k tokens bill at ' +
      'double rates, not modelled. grok-3-mini ($0.30/$0.50) agrees across copies; its cached rate ($0.075) is unconfirmed. Both models may be ' +
      'superseded by the grok-4.x family.',
    models: {
      'grok-4': { input: 3, cached_input: 0.75, output: 15 },
      'grok-3-mini': { input: 0.3, cached_input: 0.075, output: 0.5 },
    },
  },
  bedrock: {
    source: 'https://aws.amazon.com/bedrock/pricing/',
    as_of: '2026-03-21',
    notes:
      'On-demand, us-east-1. Claude on Bedrock is priced like the Claude API (confirmed by several copies of the AWS page); for Claude Sonnet 4.5 and ' +
      'Haiku 4.5 and later, in-region and geographic (us./eu./apac.) inference profiles cost 10% more than global ones, not modelled. ' +
      'Llama 3.x and Amazon Nova rates are unconfirmed: third-party copies of the AWS page disagree on Llama (from $0.72 to $2.65 per million input). ' +
      'Cross-region inference profile ids (`us.anthropic…`, `global.anthropic…`) resolve to the base model id.',
    models: {
      'anthropic.claude-opus-4-1-20250805-v1:0': anthropicModels.opus41,
      'anthropic.claude-sonnet-4-5-20250929-v1:0': anthropicModels.sonnet45,
      'anthropic.claude-sonnet-4-20250514-v1:0': anthropicModels.sonnet4,
      'anthropic.claude-haiku-4-5-20251001-v1:0': anthropicModels.haiku45,
      'anthropic.claude-3-5-haiku-20241022-v1:0': anthropicModels.haiku35,
      'meta.llama3-3-70b-instruct-v1:0': { input: 0.72, output: 0.72, notes: 'Unconfirmed.' },
      'meta.llama3-1-70b-instruct-v1:0': { input: 0.72, output: 0.72, notes: 'Unconfirmed.' },
      'meta.llama3-1-8b-instruct-v1:0': { input: 0.22, output: 0.22, notes: 'Unconfirmed.' },
      'amazon.nova-pro-v1:0': { input: 0.8, cached_input: 0.2, output: 3.2, notes: 'Output and cached rates unconfirmed.' },
      'amazon.nova-lite-v1:0': { input: 0.06, cached_input: 0.015, output: 0.24, notes: 'Output and cached rates unconfirmed.' },
      'amazon.nova-micro-v1:0': { input: 0.035, cached_input: 0.00875, output: 0.14, notes: 'Unconfirmed.' },
      'amazon.titan-embed-text-v2:0': { input: 0.02, output: 0 },
    },
  },
  mock: {
    source: 'switchyard demo price (docs/pricing.md); the mock provider costs nothing',
    as_of: '2026-11-27',
    notes: 'A small fixed price so budgets and spend can be demonstrated offline with the mock provider.',
    // The mock's answers are echoes of the prompt, cut at max_output like a real model's.
    models: { '*': { input: 1, output: 2, max_output: 1024 } },
  },
  ollama: {
    source: 'self-hosted: no per-token charge',
    as_of: '2026-11-27',
    models: { '*': { input: 0, output: 0 } },
  },
  vllm: {
    source: 'self-hosted: no per-token charge',
    as_of: '2026-11-27',
    models: { '*': { input: 0, output: 0 } },
  },
  lmstudio: {
    source: 'self-hosted: no per-token charge',
    as_of: '2026-11-27',
    models: { '*': { input: 0, output: 0 } },
  },
};
