import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { BedrockErrorCase } from './bedrock-error-cases.js';

/** The credentials a mock accepts; none set means any request is accepted. */
export interface BedrockMockCredentials {
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  apiKey?: string | undefined;
}

const authorizationPattern = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Checks a request the way Bedrock does: a Bearer API key, or a SigV4 signature
 * recomputed with the AWS SDK's own signer (`@smithy/signature-v4`) from the
 * headers the request says it signed and the body it carries. Returns the
 * `errors.json` case to answer with, or undefined when the request may pass.
 */
export async function verifyBedrockAuth(request: RecordedRequest, credentials: BedrockMockCredentials): Promise<BedrockErrorCase | undefined> {
  const { accessKeyId, secretAccessKey, apiKey } = credentials;
  if (accessKeyId === undefined && apiKey === undefined) return undefined;
  const authorization = first(request.headers.authorization) ?? '';
  if (authorization.startsWith('Bearer ')) {
    return apiKey !== undefined && authorization === `Bearer ${apiKey}` ? undefined : 'bedrock_api_key_invalid';
  }
  const parsed = authorizationPattern.exec(authorization);
  if (!parsed || accessKeyId === undefined || secretAccessKey === undefined) return 'invalid_key';
  const [, keyId, scopeDate, region, service, signedHeaderList, signature] = parsed as unknown as string[];
  if (keyId !== accessKeyId) return 'invalid_key';
  const amzDate = first(request.headers['x-amz-date']);
  if (!amzDate || !amzDate.startsWith(scopeDate!) || Number.isNaN(parseAmzDate(amzDate).getTime())) return 'signature_mismatch';

  const signedNames = signedHeaderList!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    // The signer adds these itself, from the date, the token and the body it is given.
    if (name === 'x-amz-date' || name === 'x-amz-content-sha256' || name === 'x-amz-security-token') continue;
    const value = first(request.headers[name]);
    if (value === undefined) return 'signature_mismatch';
    headers[name] = value;
  }
  const sessionToken = first(request.headers['x-amz-security-token']);
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) },
    region: region!,
    service: service!,
    sha256: Sha256,
    applyChecksum: signedNames.includes('x-amz-content-sha256'),
  });
  const host = headers['host'] ?? '';
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: host, path: request.path, query: request.query, headers, body: request.rawBody },
    { signingDate: parseAmzDate(amzDate) },
  );
  return signed.headers['authorization'] === authorization ? undefined : 'signature_mismatch';
}

function first(value: IncomingHttpHeaders[string]): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// `20150830T123600Z` → Date.
function parseAmzDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return new Date(Number.NaN);
  return new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`);
}
