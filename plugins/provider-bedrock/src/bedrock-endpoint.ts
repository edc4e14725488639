import type { UpstreamRequest } from '@switchyard/core';
import type { BedrockOptions } from './bedrock-options.js';
import { signAwsRequest, type AwsCredentials } from './sign-aws-request.js';

/** Where and how to reach one Bedrock Runtime; computed once per provider. */
export interface BedrockEndpoint {
  /** A signed `POST {endpoint}/model/{modelId}/{action}` carrying `body`. */
  post(modelId: string, action: 'converse' | 'converse-stream' | 'invoke', body: string): UpstreamRequest;
}

/** The signing service name of Bedrock Runtime. */
export const bedrockSigningService = 'bedrock';

/**
 * Builds the endpoint: Bearer auth with an API key, else SigV4 signing of each
 * request at build time (the contract keeps adapters synchronous and pure). `now`
 * is injectable so tests can sign at a fixed time.
 */
export function createBedrockEndpoint(options: BedrockOptions, now: () => Date = () => new Date()): BedrockEndpoint {
  const url = new URL(options.endpoint ?? options.base_url ?? `https://bedrock-runtime.${options.region}.amazonaws.com`);
  const origin = url.origin;
  const basePath = url.pathname.replace(/\/+$/, '');
  const region = options.region ?? regionOfHost(url.hostname) ?? 'us-east-1';
  const credentials: AwsCredentials | undefined =
    options.api_key === undefined && options.access_key_id !== undefined && options.secret_access_key !== undefined
      ? {
          accessKeyId: options.access_key_id,
          secretAccessKey: options.secret_access_key,
          ...(options.session_token !== undefined && { sessionToken: options.session_token }),
        }
      : undefined;

  return {
    post(modelId, action, body) {
      // Model ids carry `:` and ARNs `/`: both are encoded, so the id is one path segment.
      const path = `${basePath}/model/${encodeURIComponent(modelId)}/${action}`;
      // Only what the AWS SDK sends: the stream answer's content type is not negotiated.
      const signed: Record<string, string> = { 'content-type': 'application/json' };
      let auth: Record<string, string>;
      if (credentials) {
        auth = signAwsRequest({
          method: 'POST',
          url: new URL(path, origin),
          headers: signed,
          body,
          credentials,
          region,
          service: bedrockSigningService,
          now: now(),
          contentSha256Header: true,
        });
      } else {
        auth = { authorization: `Bearer ${options.api_key ?? ''}` };
      }
      // Extra headers are not signed: a proxy that rewrites one must not break the signature.
      return { origin, path, method: 'POST', headers: { ...options.headers, ...signed, ...auth }, body };
    },
  };
}

// `bedrock-runtime.eu-west-3.amazonaws.com`, also the FIPS and VPC-endpoint forms.
function regionOfHost(host: string): string | undefined {
  return /(?:^|\.)bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host)?.[1];
}
