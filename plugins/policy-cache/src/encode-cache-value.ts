import { kMaxLength } from 'node:buffer';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants } from 'node:zlib';
import { isCacheEntry, type CacheEntry } from './cache-entry.js';

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

/** First byte of a stored value: how the rest is written. */
const plainJson = 0x00;
const brotliJson = 0x01;

/**
 * An entry as bytes for a shared store: a marker byte, then the JSON, brotli
 * compressed when longer than `compressAboveBytes` and when that actually saves
 * space. Compression runs on the thread pool (async zlib), never on the event loop.
 */
export function encodeCacheValue(entry: CacheEntry, compressAboveBytes: number): Promise<Buffer> {
  return encodeCacheJson(Buffer.from(JSON.stringify(entry)), compressAboveBytes);
}

/** {@link encodeCacheValue} of an entry's JSON already made (the store measures it first). */
export async function encodeCacheJson(json: Buffer, compressAboveBytes: number): Promise<Buffer> {
  if (json.length > compressAboveBytes) {
    const compressed = await compress(json, {
      params: {
        // Quality 5 keeps most of the saving at a fraction of the default 11's cost.
        [constants.BROTLI_PARAM_QUALITY]: 5,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: json.length,
      },
    });
    if (compressed.length < json.length) return Buffer.concat([Uint8Array.of(brotliJson), compressed]);
  }
  return Buffer.concat([Uint8Array.of(plainJson), json]);
}

/** Reads what {@link encodeCacheValue} wrote; undefined for anything else. */
export async function decodeCacheValue(value: Buffer): Promise<CacheEntry | undefined> {
  const json = await cacheValueJson(value);
  if (json === undefined) return undefined;
  const entry: unknown = JSON.parse(json);
  return isCacheEntry(entry) ? entry : undefined;
}

/**
 * The JSON text of a value {@link encodeCacheValue} wrote (decompressed); undefined for
 * anything else. JSON longer than `maxJsonBytes` is refused, decompressed no further than
 * that: a few KB of brotli in a shared Redis can stand for gigabytes.
 */
export async function cacheValueJson(value: Buffer, maxJsonBytes = Number.MAX_SAFE_INTEGER): Promise<string | undefined> {
  if (value.length < 2) return undefined;
  const marker = value[0];
  const body = value.subarray(1);
  let json: Buffer;
  if (marker === plainJson) json = body;
  else if (marker === brotliJson) json = await decompressAtMost(body, maxJsonBytes);
  else return undefined;
  if (json.length > maxJsonBytes) throw tooLarge(maxJsonBytes);
  return json.toString('utf8');
}

async function decompressAtMost(body: Buffer, maxJsonBytes: number): Promise<Buffer> {
  // maxOutputLength must fit a Buffer: past it, zlib stops and fails.
  const limit = Math.min(maxJsonBytes + 1, kMaxLength);
  try {
    return await decompress(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxJsonBytes);
    throw error;
  }
}

function tooLarge(maxJsonBytes: number): Error {
  return new Error(`cache entry unreadable: its JSON is larger than max_bytes (${maxJsonBytes})`);
}
