const models = [
  { name: 'command-a-03-2025', endpoints: ['generate', 'chat', 'summarize'], finetuned: false, context_length: 256000, default_endpoints: ['chat'] },
  { name: 'command-a-vision-07-2025', endpoints: ['chat'], finetuned: false, context_length: 128000, default_endpoints: [] },
  { name: 'command-r7b-12-2024', endpoints: ['generate', 'chat', 'summarize'], finetuned: false, context_length: 132000, default_endpoints: [] },
  { name: 'embed-v4.0', endpoints: ['embed'], finetuned: false, context_length: 128000, default_endpoints: ['embed'] },
  { name: 'rerank-v3.5', endpoints: ['rerank'], finetuned: false, context_length: 4096, default_endpoints: ['rerank'] },
];

/**
 * One page of `GET /v1/models`: `{ models, next_page_token }`. `page_size` (default:
 * all) and `page_token` (the offset, as the mock spells it) page through the list.
 */
export function cohereModelsList(query: Record<string, string>): Record<string, unknown> {
  const size = Number(query['page_size']) > 0 ? Number(query['page_size']) : models.length;
  const start = Number(query['page_token']) > 0 ? Number(query['page_token']) : 0;
  const page = models.slice(start, start + size);
  const next = start + size < models.length ? String(start + size) : undefined;
  return { models: page, ...(next !== undefined && { next_page_token: next }) };
}
