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
export async function encodeCacheValue(entry: CacheEntry, compressAboveBytes: number): Promise<Buffer> {
  const json = Buffer.from(JSON.stringify(entry));
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

/** The JSON text of a value {@link encodeCacheValue} wrote (decompressed); undefined for anything else. */
export async function cacheValueJson(value: Buffer): Promise<string | undefined> {
  if (value.length < 2) return undefined;
  const marker = value[0];
  const body = value.subarray(1);
  let json: Buffer;
  if (marker === plainJson) json = body;
  else if (marker === brotliJson) json = await decompress(body);
  else return undefined;
  return json.toString('utf8');
}
