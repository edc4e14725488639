import { invalidArgumentBody, type GeminiErrorBody } from '../gemini-error-body.js';
import { geminiMockModels } from './gemini-mock-models.js';

const defaultPageSize = 50;
const maxPageSize = 1000;

/**
 * One page of `GET /models`: `pageSize` (default 50, at most 1000) models from the
 * `pageToken` on, and a `nextPageToken` while more remain, as Gemini pages.
 */
export function buildGeminiModelsPage(query: Record<string, string>): { response: Record<string, unknown> } | { invalid: GeminiErrorBody } {
  const size = query['pageSize'] === undefined ? defaultPageSize : Number(query['pageSize']);
  if (!Number.isInteger(size) || size < 0) return { invalid: invalidArgumentBody('page_size must be a non-negative integer', 'page_size') };
  const start = query['pageToken'] ? Number(Buffer.from(query['pageToken'], 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) return { invalid: invalidArgumentBody('Invalid page token.', 'page_token') };
  const end = start + Math.min(size === 0 ? defaultPageSize : size, maxPageSize);
  const response: Record<string, unknown> = { models: geminiMockModels.slice(start, end) };
  if (end < geminiMockModels.length) response['nextPageToken'] = Buffer.from(String(end)).toString('base64url');
  return { response };
}
