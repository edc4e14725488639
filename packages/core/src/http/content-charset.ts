/** Charsets a body is read in: UTF-8, and ASCII, which is UTF-8's first 128 characters. */
const readableCharsets: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);
/** A charset name as IANA registers them (a token), short enough to name back to the client. */
const showableCharset = /^[A-Za-z0-9._:+-]{1,40}$/;

/**
 * The charset a request's `Content-Type` declares when the gateway cannot read it
 * (anything but UTF-8 or ASCII: JSON between systems is UTF-8, RFC 8259 §8.1), else
 * undefined, for a type without a charset too. Read as UTF-8, a Latin-1 body would
 * turn every accented character into U+FFFD without a word; refused, the client learns.
 */
export function unreadableCharset(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/charset/i.test(contentType)) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const [name, ...value] = parameter.split('=');
    if (name!.trim().toLowerCase() !== 'charset') continue;
    const charset = value.join('=').trim().replace(/^"(.*)"$/, '$1');
    return readableCharsets.has(charset.toLowerCase()) ? undefined : charset;
  }
  return undefined;
}

/** How an unreadable charset is named in an answer: itself when it looks like one, never a client's wall of text. */
export function describeCharset(charset: string): string {
  return showableCharset.test(charset) ? `charset '${charset}'` : 'that charset';
}
