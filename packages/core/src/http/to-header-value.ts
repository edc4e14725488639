// encodeURIComponent throws on a lone surrogate: it becomes U+FFFD first.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A string made safe for an HTTP header value. Model names reach headers
 * (`x-switchyard-model`, `x-switchyard-route`) and a header value may hold only
 * visible Latin-1: Node throws on anything else, which would turn a client's odd
 * name into a 500. Names the ingress accepted are visible ASCII and pass unchanged;
 * anything else is percent-encoded, and the result is cut at `maxLength`.
 */
export function toHeaderValue(value: string, maxLength = 1024): string {
  const safe = /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value.replace(loneSurrogate, '\uFFFD'));
  return safe.length > maxLength ? safe.slice(0, maxLength) : safe;
}
