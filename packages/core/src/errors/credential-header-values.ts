/**
 * Header names that carry a credential: `authorization`, `cf-aig-authorization`,
 * `x-portkey-api-key`, `helicone-auth`, `x-goog-api-key`, a cookie, a signature.
 */
const credentialHeaderName = /auth|key|token|secret|password|cookie|signature|session/i;

/**
 * The credentials among a provider's extra headers (its `headers` option), for its
 * adapters' `secrets`: a proxy in front of the provider (Cloudflare AI Gateway,
 * Portkey, Helicone) takes its own key in a header, and an error may quote it. The
 * value whole, and the token after a scheme (`Bearer <token>`), which an error may
 * quote alone. Other headers (`x-client-name`) are not secrets, and blanking them
 * would blank ordinary words.
 */
export function credentialHeaderValues(headers: Record<string, string> | undefined): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!credentialHeaderName.test(name)) continue;
    values.push(value);
    const token = /^[A-Za-z][A-Za-z0-9-]*\s+(\S+)$/.exec(value.trim())?.[1];
    if (token !== undefined) values.push(token);
  }
  return values;
}
