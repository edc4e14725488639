import { parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart } from '@switchyard/core';
import { createOpenAIStreamDecoder } from '@switchyard/provider-openai';

/** `"choices":[]`, in whatever spacing: the only chunks worth a second look. */
const emptyChoices = /"choices"\s*:\s*\[\s*\]/;

/**
 * Azure's chunks are OpenAI's plus content-filter annotations. The one thing the
 * OpenAI decoder must not see is a chunk that carries only annotations: the first
 * event (`choices: []`, empty `id`, `model` and `object`, `prompt_filter_results`),
 * or a later annotation-only one. It would start the stream with an empty id.
 * Such chunks are dropped; the prompt filter verdict rides on `stream-start` as
 * `providerMetadata.azure.prompt_filter_results`.
 */
export function createAzureStreamDecoder(provider: string): StreamDecoder {
  const openai = createOpenAIStreamDecoder(provider);
  let promptFilterResults: unknown;
  let started = false;
  return {
    decode(event: ServerSentEvent): StreamPart[] {
      if (emptyChoices.test(event.data)) {
        const chunk = parseQuietly(event.data);
        if (chunk && chunk['error'] === undefined && (chunk['usage'] === undefined || chunk['usage'] === null)) {
          if (chunk['prompt_filter_results'] !== undefined) promptFilterResults = chunk['prompt_filter_results'];
          return [];
        }
      }
      const parts = openai.decode(event);
      if (!started && parts[0]?.type === 'stream-start') {
        started = true;
        if (promptFilterResults !== undefined) {
          parts[0] = { ...parts[0], providerMetadata: { azure: { prompt_filter_results: promptFilterResults } } };
        }
      }
      return parts;
    },
    end: () => openai.end(),
    isComplete: () => openai.isComplete?.() ?? false,
  };
}

// Unreadable JSON is left for the OpenAI decoder, which reports it properly.
function parseQuietly(data: string): Record<string, unknown> | undefined {
  try {
    const value = parseUpstreamJson(data) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
