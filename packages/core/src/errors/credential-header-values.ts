/**
 * Header names that carry a credential: `authorization`, `cf-aig-authorization`,
 * `x-portkey-api-key`, `helicone-auth`, `x-goog-api-key`, a cookie, a signature, a
 * self-hosted upstream's own (`x-upstream-credential`, `x-vllm-creds`, `x-passphrase`, `x-jwt`).
 */
const credentialHeaderName = /auth|key|token|secret|passw|passphrase|cookie|signature|session|cred|jwt|bearer/i;

/** A value in an authorization scheme (`Bearer …`, `Basic …`, `Token …`, `ApiKey …`): a credential whatever the header's name. */
const schemeValue = /^(Bearer|Basic|Token|ApiKey|Api-Key|Key|Digest|Negotiate|SharedKey|JWT)\s+(\S+)$/i;

/** A credential-named header's value after a scheme of any name (`Custom <token>`): the token alone may be quoted. */
const anySchemeValue = /^([A-Za-z][A-Za-z0-9-]*)\s+(\S+)$/;

/**
 * The credentials among a provider's extra headers (its `headers` option), for its
 * adapters' `secrets`: a proxy in front of the provider (Cloudflare AI Gateway,
 * Portkey, Helicone) or a self-hosted server (vLLM behind a reverse proxy) takes its
 * own key in a header, and an error may quote it. The value whole, the token after a
 * scheme (`Bearer <token>`), which an error may quote alone, and what a `Basic` token
 * decodes to. Other headers (`x-client-name`) are not secrets, and blanking them would
 * blank ordinary words.
 */
export function credentialHeaderValues(headers: Record<string, string> | undefined): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const named = credentialHeaderName.test(name);
    const scheme = schemeValue.exec(value.trim()) ?? (named ? anySchemeValue.exec(value.trim()) : null);
    if (!named && !scheme) continue;
    values.push(value);
    if (!scheme) continue;
    values.push(scheme[2]!);
    if (/^basic$/i.test(scheme[1]!)) values.push(...basicCredentials(scheme[2]!));
  }
  return values;
}

/**
 * What a `Basic` token says (`user:password`, and the password alone): an upstream or the proxy
 * in front of it may quote the credentials it decoded (`password hunter2… refused for user app`),
 * which are no spelling of the token. Nothing when it is no base64 of printable `user:password`.
 */
function basicCredentials(token: string): string[] {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return [];
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || !/^[\x20-\x7e]+$/.test(decoded)) return [];
  return [decoded, decoded.slice(colon + 1)];
}
