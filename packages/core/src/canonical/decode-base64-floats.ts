/** Base64 of little-endian float32 → numbers (OpenAI's `encoding_format: base64`); trailing bytes short of a float are ignored. */
export function decodeBase64Floats(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  // Copied to an aligned buffer: a view on Node's pooled buffer may start at an offset not a multiple of 4.
  const aligned = new Uint8Array(bytes.byteLength - (bytes.byteLength % 4));
  aligned.set(bytes.subarray(0, aligned.byteLength));
  return Array.from(new Float32Array(aligned.buffer));
}

/**
 * Whether no little-endian float32 in base64 `encoded` is NaN or infinite (an exponent of
 * all ones), read from its bits: no floats made. Passed on undecoded, such a vector gave a
 * base64 client's Float32Array a NaN, and decoded it reached a float client as `null`.
 */
export function hasOnlyFiniteBase64Floats(encoded: string): boolean {
  const bytes = Buffer.from(encoded, 'base64');
  for (let at = 0; at + 3 < bytes.length; at += 4) if ((bytes[at + 3]! & 0x7f) === 0x7f && (bytes[at + 2]! & 0x80) === 0x80) return false;
  return true;
}
