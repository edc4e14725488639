/**
 * The content coding an upstream answer names (`gzip`, `br`, `deflate` …), or undefined
 * for none or `identity`. The gateway asks for `identity`; a named coding is decompressed
 * when it is one of decompressing-feed.ts, refused otherwise. The value is the upstream's,
 * so a name that is not a short token is reported as `unknown`, and codings applied one
 * over another (`gzip, br`) are named together, which no decompressor matches.
 */
export function namedContentCoding(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined) return undefined;
  const codings = value
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  if (!codings.every((coding) => /^[a-z0-9._-]{1,32}$/.test(coding))) return 'unknown';
  return codings.length === 1 ? codings[0] : codings.slice(0, 4).join(', ');
}
