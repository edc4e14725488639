import type { Request } from 'express';
import type { RequestContext } from '../../chain/request-context.js';
import { GatewayError } from '../../errors/gateway-error.js';

/** Anthropic's version strings are dates (`2023-06-01`); room to spare, never a wall of text. */
const maxVersionLength = 32;
/** A comma-separated list of beta names (`prompt-caching-2024-07-31,…`); a dozen fit. */
const maxBetaLength = 512;
const versionPattern = /^[0-9A-Za-z._-]+$/;
const betaPattern = /^[0-9A-Za-z._-]+(?:\s*,\s*[0-9A-Za-z._-]+)*$/;

/**
 * The Anthropic headers a `/v1/messages` client may send on to an Anthropic
 * deployment (`anthropic-version`, `anthropic-beta`), checked first: they are the
 * client's strings and would become upstream header values, so each is bounded in
 * length and held to the characters Anthropic's own values use. Anything else is
 * refused with 400 rather than cleaned, so a client learns its header was wrong.
 */
export function readAnthropicClientHeaders(req: Request, context: RequestContext): Record<string, string> {
  const headers: Record<string, string> = {};
  const version = single(req.headers['anthropic-version'], 'anthropic-version');
  if (version !== undefined) {
    if (version.length > maxVersionLength || !versionPattern.test(version)) throw invalid('anthropic-version');
    headers['anthropic-version'] = version;
  }
  const beta = single(req.headers['anthropic-beta'], 'anthropic-beta');
  if (beta !== undefined) {
    if (beta.length > maxBetaLength || !betaPattern.test(beta)) throw invalid('anthropic-beta');
    headers['anthropic-beta'] = beta;
  }
  if (Object.keys(headers).length > 0) context.logger.debug({ headers: Object.keys(headers) }, 'anthropic client headers accepted');
  return headers;
}

/** Node joins repeated headers with `, `; an array only comes for a few names, never these, but is refused anyway. */
function single(value: string | string[] | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalid(name);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function invalid(name: string): GatewayError {
  return new GatewayError('invalid_request', `The ${name} header must be at most ${name === 'anthropic-beta' ? maxBetaLength : maxVersionLength} characters of letters, digits, '.', '_', '-'${name === 'anthropic-beta' ? ' and commas' : ''}.`, {
    param: name,
  });
}
