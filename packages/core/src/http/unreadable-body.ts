import type { IncomingHttpHeaders } from 'node:http';

/** Charsets a body is read in: UTF-8, and ASCII, which is UTF-8's first 128 characters. */
const readableCharsets: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);
/** A coding or charset as HTTP writes one (a token), short enough to name back to the client. */
const showableToken = /^[A-Za-z0-9._:+-]{1,40}$/;

/**
 * Why a request's body cannot be read as its headers declare it, or undefined when it
 * can: the gateway reads bodies sent as they are, in UTF-8 (JSON between systems is
 * UTF-8, RFC 8259 §8.1), as express.json() does in the embedded mode.
 * - A content coding other than `identity`. Codings are case-insensitive and a list
 *   (RFC 9110 §8.4): `IDENTITY` and a repeated header (Node joins it as `identity,
 *   identity`) are plain bodies.
 * - A transfer coding other than `chunked` (`gzip, chunked`): Node removes the chunking only.
 * - A declared charset other than UTF-8 or ASCII: read as UTF-8, a Latin-1 body would
 *   turn every accented character into U+FFFD without a word.
 * A coding or charset is named back only when it looks like one, never a wall of text.
 */
export function unreadableBody(headers: IncomingHttpHeaders): string | undefined {
  const encoding = headers['content-encoding'];
  const coding = encoding ? firstContentCoding(encoding) : undefined;
  if (coding !== undefined) return `Request bodies with ${named('content-encoding', coding)} are not supported; send the body uncompressed.`;
  // Node removes the chunking of `transfer-encoding: gzip, chunked` and nothing else.
  const transfer = headers['transfer-encoding'];
  const transferCoding = transfer ? firstContentCoding(transfer, 'chunked') : undefined;
  if (transferCoding !== undefined) return `Request bodies with ${named('transfer-encoding', transferCoding)} are not supported; send the body uncompressed.`;
  const charset = declaredCharset(headers['content-type']);
  if (charset !== undefined && !readableCharsets.has(charset.toLowerCase())) return `Request bodies in ${named('charset', charset)} are not supported; send UTF-8 JSON.`;
  return undefined;
}

/** The first coding of a list that is not `identity` (nor `alsoPlain`), as written. */
function firstContentCoding(header: string, alsoPlain = 'identity'): string | undefined {
  for (const coding of header.split(',')) {
    const name = coding.trim();
    const lower = name.toLowerCase();
    if (name !== '' && lower !== 'identity' && lower !== alsoPlain) return name;
  }
  return undefined;
}

/** The `charset` parameter of a content type, unquoted; undefined without one (most requests: one test). */
function declaredCharset(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/charset/i.test(contentType)) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const [name, ...value] = parameter.split('=');
    if (name!.trim().toLowerCase() === 'charset') return value.join('=').trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

function named(what: string, value: string): string {
  return showableToken.test(value) ? `${what} '${value}'` : `that ${what}`;
}

/**
 * Why a body's first bytes show it is not UTF-8, or undefined when they do not: JSON in
 * UTF-16 or UTF-32 begins with that coding's byte order mark (FF FE, FE FF) or has a NUL
 * in its first two bytes (its first character is ASCII; RFC 4627 §3). UTF-8 JSON has
 * neither (a NUL is written escaped). Read as UTF-8, such a body was "not valid JSON",
 * which the client's own tools, reading it as the coding it is, contradict.
 */
export function unreadableBodyBytes(bytes: Uint8Array): string | undefined {
  if (bytes.length < 2) return undefined;
  const first = bytes[0]!;
  const second = bytes[1]!;
  const byteOrderMark = (first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff);
  if (!byteOrderMark && first !== 0 && second !== 0) return undefined;
  return 'The request body is not UTF-8 (it begins as UTF-16 or UTF-32 text does); send UTF-8 JSON.';
}
