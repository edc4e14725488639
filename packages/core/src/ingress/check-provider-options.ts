import { invalidRequest } from './check-ingress-body.js';

/**
 * Fields of the upstream body the gateway itself governs, each with why a client's
 * `provider_options` may not set it (they are merged into the upstream body).
 */
const governedFields: Record<string, string> = {
  // One turned on made the upstream stream to a gateway reading JSON: a 502 the client caused.
  stream: "set 'stream' at the top level of the body, where the gateway reads it",
  // The top-level `n` is 1 at most: budgets hold for one choice, and one choice is answered.
  n: "the gateway answers one choice; 'n' is set at the top level, where it is 1 at most",
  // Budgets hold for the top-level limit; a larger one in the options went out instead of (or beside) it.
  max_tokens: 'the output limit is set at the top level, where budgets read it',
  max_completion_tokens: 'the output limit is set at the top level, where budgets read it',
  max_output_tokens: 'the output limit is set at the top level, where budgets read it',
};

/**
 * The same two governed things as a provider nests them in its own body: Gemini's
 * `generationConfig`, Bedrock Converse's `inferenceConfig`. The adapters lay the
 * options under the body, so these went upstream whenever the client left the
 * top-level field out (eight Gemini candidates written and billed against a hold for one).
 */
const geminiGenerationConfig: Record<string, string> = {
  candidateCount: governedFields['n']!,
  maxOutputTokens: governedFields['max_tokens']!,
  // Gemini reads JSON the protobuf way, proto field names as well as lowerCamelCase: in these
  // spellings eight candidates went upstream (and were billed) against a hold for one.
  candidate_count: governedFields['n']!,
  max_output_tokens: governedFields['max_tokens']!,
};

/**
 * Bedrock passes `additionalModelRequestFields` to the model's own API, so the output limit
 * can ride there in that model's spelling: Anthropic's `max_tokens` (and its legacy
 * `max_tokens_to_sample`), Llama's `max_gen_len`, Mistral's and others' `max_tokens`,
 * Cohere's and AI21's `maxTokens`, Nova's `inferenceConfig.max_new_tokens`, Titan's
 * `textGenerationConfig.maxTokenCount`. Passed on, the model wrote up to it, past what
 * the budget held for the top-level limit. (A thinking budget needs no check: Anthropic
 * requires it below `max_tokens`, so it is inside the limit the hold takes.)
 */
const bedrockModelOutputLimits: Record<string, string> = Object.fromEntries(
  ['max_tokens', 'maxTokens', 'max_tokens_to_sample', 'max_gen_len', 'max_new_tokens', 'maxTokenCount', 'max_completion_tokens', 'max_output_tokens', 'maxOutputTokens'].map(
    (field) => [field, governedFields['max_tokens']!],
  ),
);

const governedNestedFields: Record<string, Record<string, string>> = {
  generationConfig: geminiGenerationConfig,
  generation_config: geminiGenerationConfig,
  inferenceConfig: { maxTokens: governedFields['max_tokens']! },
  additionalModelRequestFields: bedrockModelOutputLimits,
};

/** The groups a model's own API nests its output limit in, inside Bedrock's `additionalModelRequestFields`. */
const bedrockModelGroups = ['inferenceConfig', 'textGenerationConfig', 'generationConfig'];

/**
 * Fields of a Responses body the gateway keeps or refuses at the top level: in the
 * options the fast path unfolds they reached OpenAI, which resolved them against
 * whatever the gateway's own org key holds there, whoever the caller.
 */
export const responsesGovernedFields: Record<string, string> = {
  previous_response_id: "set 'previous_response_id' at the top level: the gateway continues its own stored responses",
  conversation: 'conversations are kept by OpenAI; use previous_response_id',
  prompt: 'prompt templates are kept by OpenAI',
  background: 'background responses are not supported by this gateway',
};

/**
 * Refuses a field the gateway governs (`stream`, `n`, the output limit, and a dialect's own `extra`
 * ones) inside a client's `provider_options` (`{ openai: { stream: true } }`, or nested as
 * a provider writes it: `{ gemini: { generationConfig: { candidateCount: 8 } } }`),
 * before any upstream call.
 *
 * @throws {GatewayError} `invalid_request` (400), `param: 'provider_options.<name>.<field>'`.
 */
export function checkProviderOptions(providerOptions: unknown, extra: Readonly<Record<string, string>> = {}): void {
  if (typeof providerOptions !== 'object' || providerOptions === null) return;
  for (const [name, options] of Object.entries(providerOptions)) {
    if (typeof options !== 'object' || options === null) continue;
    const pointer = `/provider_options/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    refuseGoverned(options, { ...governedFields, ...extra }, pointer);
    for (const [group, fields] of Object.entries(governedNestedFields)) {
      const nested: unknown = Object.hasOwn(options, group) ? (options as Record<string, unknown>)[group] : undefined;
      if (typeof nested !== 'object' || nested === null) continue;
      refuseGoverned(nested, fields, `${pointer}/${group}`);
      if (fields !== bedrockModelOutputLimits) continue;
      for (const modelGroup of bedrockModelGroups) {
        const inner: unknown = Object.hasOwn(nested, modelGroup) ? (nested as Record<string, unknown>)[modelGroup] : undefined;
        if (typeof inner === 'object' && inner !== null) refuseGoverned(inner, bedrockModelOutputLimits, `${pointer}/${group}/${modelGroup}`);
      }
    }
  }
}

function refuseGoverned(options: object, fields: Readonly<Record<string, string>>, pointer: string): void {
  for (const [field, reason] of Object.entries(fields)) {
    if (Object.hasOwn(options, field)) throw invalidRequest(`${pointer}/${field}`, reason);
  }
}
