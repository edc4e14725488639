import type { ChatMessage } from '../canonical/chat-request.js';
import { GatewayError } from '../errors/gateway-error.js';

/** At most 64 of `A–Z a–z 0–9 _ . + -` each side of the slash, as the gateway's own routes take. */
const mediaTypePattern = /^[\w.+-]{1,64}\/[\w.+-]{1,64}$/;

/**
 * Refuses an inline image whose media type the gateway's own routes would refuse, in a
 * request an ingress plugin's dialect translated: the type goes upstream as it came, and a
 * provider that refuses it names it back (Bedrock quoted 100,000 characters, line breaks
 * and all). Not echoed: the client knows what it sent.
 *
 * @throws {GatewayError} `invalid_request` (400).
 */
export function checkImageMediaTypes(messages: readonly ChatMessage[]): void {
  messages.forEach((message, messageIndex) => {
    if (message.role !== 'user' || !Array.isArray(message.content)) return;
    message.content.forEach((part, partIndex) => {
      if (part.type !== 'image' || part.source.kind !== 'base64') return;
      const { mediaType } = part.source;
      if (typeof mediaType === 'string' && mediaTypePattern.test(mediaType)) return;
      throw new GatewayError(
        'invalid_request',
        `The media type of inline image ${partIndex + 1} of message ${messageIndex + 1} is not one this gateway takes: at most 64 of A-Z a-z 0-9 _ . + - each side of a slash (image/png).`,
      );
    });
  });
}
