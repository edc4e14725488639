/**
 * Header names that carry a credential: `authorization`, `cf-aig-authorization`,
 * `x-portkey-api-key`, `helicone-auth`, `x-goog-api-key`, a cookie, a signature, a
 * self-hosted upstream's own (`x-upstream-credential`, `x-vllm-creds`, `x-passphrase`, `x-jwt`).
 */
const credentialHeaderName = /auth|key|token|secret|passw|passphrase|cookie|signature|session|cred|jwt|bearer/i;

/** A value in an authorization scheme (`Bearer …`, `Basic …`, `Token …`, `ApiKey …`): a credential whatever the header's name. */
const schemeValue = /^(?:Bearer|Basic|Token|ApiKey|Api-Key|Key|Digest|Negotiate|SharedKey|JWT)\s+(\S+)$/i;

/**
 * The credentials among a provider's extra headers (its `headers` option), for its
 * adapters' `secrets`: a proxy in front of the provider (Cloudflare AI Gateway,
 * Portkey, Helicone) or a self-hosted server (vLLM behind a reverse proxy) takes its
 * own key in a header, and an error may quote it. The value whole, and the token
 * after a scheme (`Bearer <token>`), which an error may quote alone. Other headers
 * (`x-client-name`) are not secrets, and blanking them would blank ordinary words.
 */
export function credentialHeaderValues(headers: Record<string, string> | undefined): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const scheme = schemeValue.exec(value.trim());
    if (!credentialHeaderName.test(name) && !scheme) continue;
    values.push(value);
    const token = scheme?.[1] ?? /^[A-Za-z][A-Za-z0-9-]*\s+(\S+)$/.exec(value.trim())?.[1];
    if (token !== undefined) values.push(token);
  }
  return values;
}
