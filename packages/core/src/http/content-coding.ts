/** A content coding as HTTP writes one (a token), short enough to name back to the client. */
const showableCoding = /^[A-Za-z0-9._+-]{1,32}$/;

/**
 * The first content coding of a request's `Content-Encoding` that is not `identity`,
 * or undefined for a body sent as it is. Codings are case-insensitive and a list
 * (RFC 9110 §8.4): `IDENTITY` and a repeated header (Node joins it as `identity,
 * identity`) are plain bodies too.
 */
export function firstContentCoding(header: string): string | undefined {
  for (const coding of header.split(',')) {
    const name = coding.trim();
    if (name !== '' && name.toLowerCase() !== 'identity') return name;
  }
  return undefined;
}

/** How an unsupported coding is named in an answer: itself when it looks like one, never a client's wall of text. */
export function describeContentCoding(coding: string): string {
  return showableCoding.test(coding) ? `content-encoding '${coding}'` : 'that content-encoding';
}
