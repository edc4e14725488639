/**
 * The content coding an upstream answer names (`gzip`, `br`, `deflate` …), or undefined
 * for none or `identity`. The gateway asks for `identity` and reads bodies as they
 * come, so a named coding means bytes it cannot read; the value is the upstream's, so
 * a name that is not a short token is reported as `unknown`.
 */
export function namedContentCoding(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined) return undefined;
  const codings = value
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  const [first] = codings;
  return /^[a-z0-9._-]{1,32}$/.test(first!) ? first : 'unknown';
}
