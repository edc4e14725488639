import { GatewayError, type ImageSource } from '@switchyard/core';
import type { GeminiPart } from './gemini-wire-types.js';

const dataUrlPattern = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;

const mediaTypesByExtension: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
};

/**
 * A canonical image → a Gemini part. Base64 images go inline. Gemini does not fetch
 * arbitrary URLs: only files uploaded through its Files API are referenced by URI,
 * and an adapter does no I/O to download the rest, so any other URL is refused.
 */
export function convertImagePart(source: ImageSource, param: string): GeminiPart {
  if (source.kind === 'base64') return { inlineData: { mimeType: source.mediaType, data: source.data } };
  const inline = dataUrlPattern.exec(source.url);
  if (inline) return { inlineData: { mimeType: inline[1]!, data: inline[2]! } };
  let url: URL | undefined;
  try {
    url = new URL(source.url);
  } catch {
    // Reported below like any other URL Gemini cannot read.
  }
  if (url?.protocol === 'https:' && url.hostname === 'generativelanguage.googleapis.com') {
    return { fileData: { mimeType: guessImageMediaType(url.pathname), fileUri: source.url } };
  }
  throw new GatewayError(
    'invalid_request',
    'Gemini does not fetch image URLs: send the image as a base64 data URL, or upload it with the Gemini Files API ' +
      'and pass its https://generativelanguage.googleapis.com/…/files/… URI.',
    { param },
  );
}

// Files API URIs carry no extension; JPEG is the most likely photo type and Gemini
// reads the actual bytes of an uploaded file anyway.
function guessImageMediaType(pathname: string): string {
  const extension = /\.([a-z0-9]+)$/i.exec(pathname)?.[1]?.toLowerCase();
  // Own keys only: the URL is the client's, and `.constructor` is a valid extension to the pattern.
  return (extension && Object.hasOwn(mediaTypesByExtension, extension) ? mediaTypesByExtension[extension] : undefined) ?? 'image/jpeg';
}
