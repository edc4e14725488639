/**
 * Dresses the OpenAI mock's answers in Azure's clothes, as the fixtures show
 * them: content-filter verdicts on the prompt and on every choice, no
 * `service_tier`, keys in alphabetical order, and a stream that opens with a
 * filter-only chunk (`choices: []`, empty `id`, `model` and `object`).
 */

const safe = { filtered: false, severity: 'safe' };
const notDetected = { filtered: false, detected: false };

/** The prompt verdict of the fixtures: nothing filtered. */
export function promptFilterResults(): unknown[] {
  return [
    {
      prompt_index: 0,
      content_filter_results: { hate: safe, jailbreak: notDetected, self_harm: safe, sexual: safe, violence: safe },
    },
  ];
}

/** The verdict on generated text; with `filtered`, violence at medium, as an output filter stop reports it. */
export function outputFilterResults(filtered = false): Record<string, unknown> {
  return {
    hate: safe,
    protected_material_code: notDetected,
    protected_material_text: notDetected,
    self_harm: safe,
    sexual: safe,
    violence: filtered ? { filtered: true, severity: 'medium' } : safe,
  };
}

/** A non-streamed `chat.completion` of the OpenAI mock → Azure's. */
export function toAzureCompletion(completion: Record<string, unknown>): Record<string, unknown> {
  const { service_tier: _tier, ...rest } = completion;
  const choices = (rest['choices'] as Array<Record<string, unknown>>).map((choice) => ({
    ...choice,
    content_filter_results: outputFilterResults(choice['finish_reason'] === 'content_filter'),
  }));
  return sortKeys({ ...rest, choices, prompt_filter_results: promptFilterResults() }) as Record<string, unknown>;
}

/** The events of a streamed answer of the OpenAI mock → Azure's, the filter-only chunk first. */
export function toAzureStreamEvents(events: readonly string[]): string[] {
  const first = { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: promptFilterResults() };
  return [`data: ${JSON.stringify(sortKeys(first))}\n\n`, ...events.map(toAzureEvent)];
}

function toAzureEvent(event: string): string {
  const data = event.replace(/^data: /, '').trim();
  if (data === '[DONE]') return event;
  const { service_tier: _tier, ...chunk } = JSON.parse(data) as Record<string, unknown>;
  chunk['choices'] = (chunk['choices'] as Array<Record<string, unknown>>).map((choice) => {
    const delta = (choice['delta'] ?? {}) as Record<string, unknown>;
    // Azure scores text as it goes; role, tool-call and finish chunks carry an empty verdict.
    const scored = typeof delta['content'] === 'string' && delta['content'] !== '';
    const filtered = choice['finish_reason'] === 'content_filter';
    return { ...choice, content_filter_results: scored || filtered ? outputFilterResults(filtered) : {} };
  });
  return `data: ${JSON.stringify(sortKeys(chunk))}\n\n`;
}

/** Azure serializes keys alphabetically; clients must not care, and the mock makes sure they do not. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
