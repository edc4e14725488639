import { GatewayError, parseUpstreamJson, type UpstreamErrorResponse } from '@switchyard/core';
import { mapOpenAIError } from '@switchyard/provider-openai';

interface AzureErrorDetail {
  code?: unknown;
  message?: unknown;
  param?: unknown;
  innererror?: { code?: unknown; content_filter_result?: unknown; content_filter_results?: unknown };
}

/**
 * An Azure OpenAI error response → GatewayError. Azure's envelope is OpenAI's with
 * a string `code` (`"401"`, `"429"`, `"DeploymentNotFound"`), so OpenAI's mapping
 * does most of the work; a prompt stopped by the content filter and a 403 get
 * messages of their own.
 */
export function mapAzureError(provider: string, response: UpstreamErrorResponse): GatewayError {
  const detail = readDetail(response.bodyText);
  if (detail && isContentFilter(detail)) {
    return new GatewayError('content_filter', contentFilterMessage(provider, detail), {
      provider,
      upstreamStatus: response.status,
      param: typeof detail.param === 'string' ? detail.param : 'messages',
    });
  }
  // Network rules and missing Entra roles: the message says which, and quotes no secret.
  if (response.status === 403) {
    const said = typeof detail?.message === 'string' ? ` ${detail.message}` : '';
    return new GatewayError('upstream_permission_denied', `${provider} denied access.${said}`, {
      provider,
      upstreamStatus: 403,
    });
  }
  return mapOpenAIError(provider, response);
}

function readDetail(bodyText: string): AzureErrorDetail | undefined {
  try {
    const body = parseUpstreamJson(bodyText) as { error?: unknown };
    return typeof body?.error === 'object' && body.error !== null ? (body.error as AzureErrorDetail) : undefined;
  } catch {
    return undefined;
  }
}

function isContentFilter(detail: AzureErrorDetail): boolean {
  return detail.code === 'content_filter' || detail.innererror?.code === 'ResponsibleAIPolicyViolation';
}

/** "azure: the prompt was blocked by Azure's content filter (violence: medium)." */
function contentFilterMessage(provider: string, detail: AzureErrorDetail): string {
  const categories = filteredCategories(detail.innererror?.content_filter_result ?? detail.innererror?.content_filter_results);
  const which = categories.length > 0 ? ` (${categories.join(', ')})` : '';
  return `${provider}: the prompt was blocked by Azure's content filter${which}. Change the prompt and try again.`;
}

/** The categories marked `filtered: true`, with their severity when there is one. */
export function filteredCategories(result: unknown): string[] {
  if (typeof result !== 'object' || result === null) return [];
  const categories: string[] = [];
  for (const [name, verdict] of Object.entries(result as Record<string, unknown>)) {
    if (typeof verdict !== 'object' || verdict === null || (verdict as { filtered?: unknown }).filtered !== true) continue;
    const severity = (verdict as { severity?: unknown }).severity;
    categories.push(typeof severity === 'string' ? `${name}: ${severity}` : name);
  }
  return categories;
}
