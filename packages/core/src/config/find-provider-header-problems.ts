import type { ValidationProblem } from '../validation/compile-validator.js';
import type { GatewayConfig } from './gateway-config.js';

/** An HTTP header name: RFC 9110's token, which undici requires. */
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What undici refuses in a header value: a control character other than a tab (a line break, NUL). */
const unsendableInValue = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * A provider's extra `headers` that undici refuses to send passed the schema (any string) and
 * failed every call to that provider as 500 `internal_error`. A value is never quoted: it is
 * often a credential.
 */
export function findProviderHeaderProblems(config: GatewayConfig): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (typeof config.providers !== 'object' || config.providers === null) return problems;
  for (const [id, entry] of Object.entries(config.providers)) {
    const headers = (entry as { headers?: unknown } | null)?.headers;
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) continue;
    for (const [name, value] of Object.entries(headers)) {
      const path = `/providers/${escape(id)}/headers/${escape(name)}`;
      if (!headerName.test(name)) problems.push({ path, message: "is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)" });
      else if (typeof value === 'string' && unsendableInValue.test(value)) {
        problems.push({ path, message: 'holds a line break or another control character, which no HTTP header can carry' });
      }
    }
  }
  return problems;
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
