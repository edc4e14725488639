/**
 * Provider error messages sometimes quote part of the key they rejected
 * ("Incorrect API key provided: sk-proj-****1a2b"). Before any upstream text reaches
 * a client or a log line it goes through here.
 */
const keyLikePatterns: RegExp[] = [
  /\bsk-[A-Za-z0-9_*\-]{6,}/g, // OpenAI, Anthropic (sk-ant-…), DeepSeek
  /\bsy-[A-Za-z0-9_\-]{6,}/g, // our own keys
  /\bAIza[0-9A-Za-z_\-]{10,}/g, // Google
  /\b(?:AKIA|ASIA)[0-9A-Z]{12,}/g, // AWS access key ids
  /\bgsk_[A-Za-z0-9]{10,}/g, // Groq
  /\bxai-[A-Za-z0-9]{10,}/g, // xAI
  /\bBearer\s+[A-Za-z0-9._~+/=\-]{8,}/gi,
];

export function redactSecrets(text: string, knownSecrets: Iterable<string> = []): string {
  let result = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 6) result = result.split(secret).join('[REDACTED]');
  }
  for (const pattern of keyLikePatterns) result = result.replace(pattern, '[REDACTED]');
  return result;
}
