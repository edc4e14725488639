import type { SecretRedactor } from '../errors/redact-secrets.js';
import type { UpstreamResponseInfo } from '../plugin/provider-types.js';

/**
 * The status and headers an adapter reads an answer with, each header value blanked of the
 * provider's known secrets: an adapter may make a header its answer's id (Bedrock's
 * `x-amzn-RequestId`, Anthropic's `request-id`), which then reaches the client, the spans and
 * the cache, and no redaction of the body sees it. An upstream echoing its request put the
 * secret access key there. The same headers object when none holds a secret (the usual case:
 * one quick look per value). `provider` is the configured id, which an adapter's messages name.
 */
export function upstreamResponseInfo(response: { statusCode: number; headers: UpstreamResponseInfo['headers'] }, redactor: SecretRedactor, provider: string): UpstreamResponseInfo {
  return { status: response.statusCode, headers: redactor.knowsSecrets ? headersWithoutSecrets(response.headers, redactor) : response.headers, provider };
}

function headersWithoutSecrets(headers: UpstreamResponseInfo['headers'], redactor: SecretRedactor): UpstreamResponseInfo['headers'] {
  let copy: UpstreamResponseInfo['headers'] | undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const blanked = typeof value === 'string' ? redactor.redactKnown(value) : value.map((each) => redactor.redactKnown(each));
    const changed = typeof blanked === 'string' ? blanked !== value : blanked.some((each, index) => each !== value[index]);
    if (changed) (copy ??= { ...headers })[name] = blanked;
  }
  return copy ?? headers;
}
