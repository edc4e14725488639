import { GatewayError } from '../errors/gateway-error.js';

/** The `type` body-parser (behind `express.json()`) gives its errors, and our code for each. */
const bodyParserTypes: Record<string, { code: 'invalid_json' | 'request_too_large' | 'unsupported_media_type'; message: string }> = {
  'entity.parse.failed': { code: 'invalid_json', message: 'The request body is not valid JSON.' },
  'entity.too.large': { code: 'request_too_large', message: 'The request body is too large.' },
  'entity.verify.failed': { code: 'invalid_json', message: 'The request body was refused.' },
  'request.aborted': { code: 'invalid_json', message: 'The request body ended early.' },
  'request.size.invalid': { code: 'invalid_json', message: 'The request body does not match its content-length.' },
  'encoding.unsupported': { code: 'unsupported_media_type', message: 'The request body’s content-encoding is not supported.' },
  'charset.unsupported': { code: 'unsupported_media_type', message: 'The request body’s charset is not supported.' },
  'parameters.too.many': { code: 'request_too_large', message: 'The request has too many parameters.' },
};

/**
 * An error from the app's own body parser (`express.json()` in front of a step),
 * as the GatewayError a client should see, instead of a 500. Its message is ours:
 * the parser's may quote the body.
 */
export function fromBodyParserError(error: unknown): GatewayError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { type, status, code, errno } = error as { type?: unknown; status?: unknown; code?: unknown; errno?: unknown };
  // A body that is not what its content-encoding says (gzip, deflate, br): the parser passes
  // zlib's own error on as a 400 without a type, which would otherwise be an internal error.
  if (type === undefined && status === 400 && typeof code === 'string' && typeof errno === 'number') {
    return new GatewayError('invalid_request', 'The request body could not be decompressed as its content-encoding says.', { cause: error });
  }
  if (typeof type !== 'string' || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const known = Object.hasOwn(bodyParserTypes, type) ? bodyParserTypes[type] : undefined;
  return known && new GatewayError(known.code, known.message, { cause: error });
}
