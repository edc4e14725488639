import { createHash } from 'node:crypto';

/**
 * A unit vector derived from a hash of the input: equal inputs give equal vectors.
 * The values are float32 so the `float` and `base64` encodings carry the same numbers.
 */
export function deterministicEmbedding(input: string, dimensions: number): Float32Array {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${input}`).digest();
    for (let offset = 0; offset + 4 <= digest.length && values.length < dimensions; offset += 4) {
      values.push(digest.readUInt32BE(offset) / 2 ** 31 - 1);
    }
  }
  const norm = Math.hypot(...values) || 1;
  return Float32Array.from(values, (value) => value / norm);
}

/** OpenAI's `encoding_format: "base64"`: the float32 values as little-endian bytes, base64-encoded. */
export function encodeFloat32Base64(values: Float32Array): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
