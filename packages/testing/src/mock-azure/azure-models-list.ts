/**
 * What `GET /openai/models` and `GET /openai/v1/models` answer. No fixture records
 * this list; the item shape follows Azure's data-plane reference (UNCONFIRMED).
 */
export function azureModelsList(): Record<string, unknown> {
  const model = (id: string, capabilities: Record<string, boolean>) => ({
    capabilities: { chat_completion: false, completion: false, embeddings: false, fine_tune: false, inference: true, ...capabilities },
    created_at: 1721260800,
    id,
    lifecycle_status: 'generally-available',
    object: 'model',
    status: 'succeeded',
  });
  return {
    data: [
      model('gpt-4o-mini', { chat_completion: true }),
      model('gpt-4o', { chat_completion: true }),
      model('o4-mini', { chat_completion: true }),
      model('text-embedding-3-small', { embeddings: true }),
    ],
    object: 'list',
  };
}
