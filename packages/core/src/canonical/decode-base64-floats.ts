/** Base64 of little-endian float32 → numbers (OpenAI's `encoding_format: base64`); trailing bytes short of a float are ignored. */
export function decodeBase64Floats(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  // Copied to an aligned buffer: a view on Node's pooled buffer may start at an offset not a multiple of 4.
  const aligned = new Uint8Array(bytes.byteLength - (bytes.byteLength % 4));
  aligned.set(bytes.subarray(0, aligned.byteLength));
  return Array.from(new Float32Array(aligned.buffer));
}
