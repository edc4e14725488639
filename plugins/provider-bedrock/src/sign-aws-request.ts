import { createHash, createHmac } from 'node:crypto';

/** AWS credentials for Signature Version 4. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS) carry a session token, sent as `x-amz-security-token`. */
  sessionToken?: string;
}

/** One request to sign. Header names may be in any case; they are signed lower-cased. */
export interface AwsRequestToSign {
  method: string;
  /** Absolute URL; its host is signed and its path and query are put in canonical form. */
  url: URL;
  headers: Record<string, string>;
  body: string;
  credentials: AwsCredentials;
  region: string;
  /** Signing name of the service: `bedrock` for Bedrock Runtime. */
  service: string;
  now: Date;
  /** Also send and sign `x-amz-content-sha256` (optional for most services, as the AWS SDKs do). */
  contentSha256Header?: boolean;
}

/** The headers a signature adds: `authorization`, `x-amz-date`, and the token and payload hash when used. */
export type AwsSignatureHeaders = Record<string, string>;

const algorithm = 'AWS4-HMAC-SHA256';

/**
 * Signs a request with AWS Signature Version 4 (header form), following AWS's
 * published algorithm. Hand-written on node:crypto rather than taken from
 * `@smithy/signature-v4` because the adapter contract is synchronous and smithy's
 * `sign()` is async; the tests check it against AWS's published test vectors and
 * against smithy's signer.
 */
export function signAwsRequest(request: AwsRequestToSign): AwsSignatureHeaders {
  const amzDate = formatAmzDate(request.now);
  const date = amzDate.slice(0, 8);
  const payloadHash = sha256Hex(request.body);
  const added: AwsSignatureHeaders = { 'x-amz-date': amzDate };
  if (request.credentials.sessionToken) added['x-amz-security-token'] = request.credentials.sessionToken;
  if (request.contentSha256Header) added['x-amz-content-sha256'] = payloadHash;

  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) headers.set(name.toLowerCase(), value);
  headers.set('host', request.url.host);
  for (const [name, value] of Object.entries(added)) headers.set(name, value);
  const names = [...headers.keys()].filter((name) => name !== 'authorization').sort();
  const signedHeaders = names.join(';');

  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.url.pathname),
    canonicalQuery(request.url.searchParams),
    names.map((name) => `${name}:${trimHeaderValue(headers.get(name) ?? '')}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = [algorithm, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');

  let key = hmac(`AWS4${request.credentials.secretAccessKey}`, date);
  key = hmac(key, request.region);
  key = hmac(key, request.service);
  key = hmac(key, 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');

  added['authorization'] =
    `${algorithm} Credential=${request.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return added;
}

/** `20150830T123600Z`: ISO 8601 basic format, UTC, no fractions. */
export function formatAmzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Every service but S3 URI-encodes the (already encoded) path once more, so a model
 * id `…v1%3A0` is signed as `…v1%253A0`; empty and `.` segments are normalised away
 * the way the AWS SDKs do.
 */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  if (segments.length === 0) return '/';
  return `/${segments.map(uriEncode).join('/')}${path.endsWith('/') ? '/' : ''}`;
}

function canonicalQuery(params: URLSearchParams): string {
  const pairs = [...params].map(([name, value]) => [uriEncode(name), uriEncode(value)] as const);
  pairs.sort(([a, aValue], [b, bValue]) => (a < b ? -1 : a > b ? 1 : aValue < bValue ? -1 : aValue > bValue ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

// AWS's UriEncode: every byte but A-Z a-z 0-9 - _ . ~ is percent-encoded (encodeURIComponent spares !'()* too).
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

function trimHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
