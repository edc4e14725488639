import type { ValidationProblem } from '../validation/compile-validator.js';
import { unencodedInUserinfo } from './connection-url.js';
import type { GatewayConfig } from './gateway-config.js';

/** The options of a provider entry that hold the upstream's URL: every provider's `base_url`, Azure's and Bedrock's `endpoint`. */
const urlOptions = ['base_url', 'endpoint'] as const;

/**
 * A provider URL no URL parser reads (a port past 65535, an unclosed `[`) passed the schema's
 * `^https?://` and was a TypeError stack trace at start. One with `user:password@` was served with
 * the credentials dropped without a word: they belong in `api_key`. Neither message quotes the URL.
 */
export function findProviderUrlProblems(config: GatewayConfig): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (typeof config.providers !== 'object' || config.providers === null) return problems;
  for (const [id, entry] of Object.entries(config.providers)) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const option of urlOptions) {
      const url = entry[option];
      if (typeof url !== 'string') continue;
      const message = providerUrlProblem(url);
      if (message) problems.push({ path: `/providers/${id.replace(/~/g, '~0').replace(/\//g, '~1')}/${option}`, message });
    }
  }
  return problems;
}

function providerUrlProblem(url: string): string | undefined {
  const credentials = 'holds a user name or password (user:password@), which the gateway never sends: give the key as api_key, from an environment variable';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // `user:pa/ss@host` does not parse: a password all the same.
    return unencodedInUserinfo(url) ? credentials : 'is not a URL (https://host[:port][/path])';
  }
  return parsed.username || parsed.password ? credentials : undefined;
}
