/**
 * The answer of `GET /v1/models`, in the shape of Anthropic's list: newest first,
 * with `has_more` and the ids of the first and last entries for paging.
 */
export function anthropicModelsList(): Record<string, unknown> {
  const data = [
    { type: 'model', id: 'claude-opus-4-5-20251101', display_name: 'Claude Opus 4.5', created_at: '2025-11-24T00:00:00Z' },
    { type: 'model', id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-15T00:00:00Z' },
    { type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
  ];
  return { data, has_more: false, first_id: data[0]!.id, last_id: data.at(-1)!.id };
}
