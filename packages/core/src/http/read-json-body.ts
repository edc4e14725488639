import type { Request, RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { checkJsonValue } from '../validation/check-json-value.js';
import { scanJsonText } from './scan-json-text.js';
import { unreadableBody, unreadableBodyBytes } from './unreadable-body.js';

/** The default of `limits.max_json_depth`. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** The default of `limits.max_json_keys`. */
export const DEFAULT_MAX_JSON_KEYS = 50_000;

/** Bounds on a request body's JSON, judged on its text before `JSON.parse`. */
export interface JsonBodyBounds {
  /** Deepest nesting (`limits.max_json_depth`). */
  maxDepth: number;
  /** Most object keys, counted over every object of the body (`limits.max_json_keys`). */
  maxKeys: number;
}

const defaultBounds: JsonBodyBounds = { maxDepth: DEFAULT_MAX_JSON_DEPTH, maxKeys: DEFAULT_MAX_JSON_KEYS };

/**
 * Reads a request body as JSON into `req.body`, refusing it past `limitBytes`.
 * Leaner than express.json(): any content type is read as JSON (clients that forget
 * the header still get a clear answer), bodies are UTF-8 (a declared charset that is
 * not is refused with 415, as express.json() refuses it, and so is a body whose first
 * bytes are UTF-16's or UTF-32's; a leading UTF-8 byte order mark is ignored, as there), and errors come out as
 * GatewayErrors straight away. A body nested deeper than `bounds.maxDepth`, with more
 * object keys than `bounds.maxKeys`, or holding a number JSON cannot carry (`1e309`
 * reads as Infinity), is refused with a 400 before any step sees it.
 */
export function readJsonBody(limitBytes: number, bounds: JsonBodyBounds = defaultBounds): RequestHandler {
  return (req, _res, next) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limitBytes) {
      // Answer without reading the rest; the connection is closed after the reply.
      req.resume();
      next(tooLarge(limitBytes));
      return;
    }
    const unreadable = unreadableBody(req.headers);
    if (unreadable !== undefined) {
      req.resume();
      next(new GatewayError('unsupported_media_type', unreadable));
      return;
    }
    if (req.readableEnded || (req as { _body?: unknown })._body === true) {
      next(readByHostParser(req, limitBytes, bounds));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.length;
      if (received > limitBytes) {
        failed = true;
        next(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const notUtf8 = unreadableBodyBytes(bytes);
      next(notUtf8 === undefined ? parseInto(req, bytes.toString('utf8'), bounds) : new GatewayError('unsupported_media_type', notUtf8));
    });
    req.on('error', (error) => {
      if (failed) return;
      failed = true;
      next(new GatewayError('client_closed_request', 'The client closed the connection.', { cause: error }));
    });
  };
}

const byteOrderMark = 0xfeff;

/** The body text parsed into `req.body` with the gateway's bounds; the error to pass on, if any. */
function parseInto(req: Request, rawText: string, { maxDepth, maxKeys }: JsonBodyBounds): GatewayError | undefined {
  // A UTF-8 byte order mark first (Windows tools write one) is not JSON's, and is ignored
  // as express.json() and RFC 8259 ignore it.
  const text = rawText.charCodeAt(0) === byteOrderMark ? rawText.slice(1) : rawText;
  // Before parsing: a deep body, or one of very many keys, is expensive to parse at all.
  const scan = scanJsonText(text, maxDepth, maxKeys);
  if (scan === 'too-deep') {
    return new GatewayError('invalid_request', `The request body is nested deeper than the limit of ${maxDepth} levels (limits.max_json_depth).`);
  }
  if (scan === 'too-many-keys') {
    return new GatewayError('invalid_request', `The request body has more object keys than the limit of ${maxKeys} (limits.max_json_keys).`);
  }
  try {
    req.body = text.length === 0 ? undefined : JSON.parse(text);
  } catch (error) {
    return new GatewayError('invalid_json', 'The request body is not valid JSON.', { cause: error });
  }
  if (req.body === undefined) return new GatewayError('invalid_json', 'The request body is empty; send a JSON object.');
  // Only a number written with an exponent or 309 digits can parse to Infinity.
  return scan === 'large-numbers' ? checked(req.body, maxDepth) : undefined;
}

/**
 * A body that a parser of the host app (express.json(), express.text(), a body
 * parser with its own limit) read before the gateway's router: its stream has ended,
 * and waiting for its 'end' hung the request until the client gave up. Text or bytes
 * are parsed as the gateway's own reading would; JSON the host parsed is held to the
 * gateway's depth and number bounds (the host's parser has neither); a form or
 * nothing left is refused, as the gateway reads JSON only.
 */
function readByHostParser(req: Request, limitBytes: number, bounds: JsonBodyBounds): GatewayError | undefined {
  const body: unknown = req.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (Buffer.byteLength(body) > limitBytes) return tooLarge(limitBytes);
    const notUtf8 = Buffer.isBuffer(body) ? unreadableBodyBytes(body) : undefined;
    if (notUtf8 !== undefined) return new GatewayError('unsupported_media_type', notUtf8);
    return parseInto(req, body.toString('utf8'), bounds);
  }
  const declaredJson = /\bjson\b/i.test(req.headers['content-type'] ?? '');
  // Parsed already: what its keys cost is spent, so only depth and numbers are held to.
  if (typeof body === 'object' && body !== null && declaredJson) {
    const problem = checked(body, bounds.maxDepth);
    if (problem !== undefined || req.headers['content-length'] !== undefined) return problem;
    // Sent chunked, no content-length refused it above: measured as the JSON it holds (after the depth check, so this cannot overflow).
    return Buffer.byteLength(JSON.stringify(body)) > limitBytes ? tooLarge(limitBytes) : undefined;
  }
  if (!declaredJson && typeof body === 'object' && body !== null) {
    return new GatewayError('unsupported_media_type', 'The request body was read as a form; send a JSON object (content-type: application/json).');
  }
  return new GatewayError('invalid_json', 'The request body was read before the gateway by another parser, which left no JSON for it.');
}

function checked(body: unknown, maxDepth: number): GatewayError | undefined {
  try {
    checkJsonValue(body, { maxDepth });
    return undefined;
  } catch (error) {
    return error as GatewayError;
  }
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError('request_too_large', `The request body is larger than the limit of ${limitBytes} bytes.`);
}

/** `4mb`, `512kb`, `1048576` → bytes. */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(size.trim());
  if (!match) throw new Error(`not a size: '${size}' (expected a number of bytes or e.g. 4mb)`);
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  return Math.floor(Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]!);
}
