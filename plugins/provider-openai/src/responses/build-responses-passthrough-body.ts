/**
 * The client's Responses body as OpenAI gets it on the pass-through: a copy (the
 * same body may be tried on a fallback) with the deployment's model and the
 * gateway's own `provider_options` unfolded, as on the chat fast path. The
 * endpoint already expanded `previous_response_id` into `input` and set
 * `store: false` (the gateway keeps the conversation).
 */
export function buildResponsesPassthroughBody(clientBody: Record<string, unknown>, model: string, providerName: string): Record<string, unknown> {
  const { provider_options: providerOptions, ...rest } = clientBody;
  const options = asRecord(asRecord(providerOptions)?.[providerName]);
  return { ...options, ...rest, model };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
