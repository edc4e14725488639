/**
 * The top-level members of a `POST /v1/responses` body that the translation to the
 * canonical request reads, or that do not change the answer (`store`, `stream_options`,
 * `prompt_cache_key`, who it is for). Every other member (`text.verbosity` and
 * `reasoning.summary` aside, checked below) — `top_logprobs`, `include`, `service_tier`,
 * `max_tool_calls`, `truncation`, `provider_options` — only the fast path sends upstream.
 */
const translatedResponsesFields: ReadonlySet<string> = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'text', 'reasoning', 'max_output_tokens', 'temperature',
  'top_p', 'parallel_tool_calls', 'metadata', 'user', 'safety_identifier', 'stream', 'stream_options', 'store',
  'previous_response_id', 'prompt_cache_key',
]);

/**
 * Whether a Responses body asks for something the canonical request cannot carry. The
 * cache translates every request it may store (its entries are canonical), so such a
 * request would be sent without it, and keyed as the same request without it: it
 * bypasses the cache and takes the fast path, which sends the body as it came.
 */
export function carriesUntranslatedResponsesFields(body: unknown): boolean {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  for (const name in record) {
    const value = record[name];
    // `truncation: 'disabled'` is the default the translation keeps to.
    if (value != null && !translatedResponsesFields.has(name) && !(name === 'truncation' && value === 'disabled')) return true;
  }
  return nestedSet(record['text'], 'verbosity') || nestedSet(record['reasoning'], 'summary');
}

function nestedSet(value: unknown, name: string): boolean {
  return value !== null && typeof value === 'object' && (value as Record<string, unknown>)[name] != null;
}
