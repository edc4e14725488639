export type * from './chat-request.js';
export type * from './chat-response.js';
export type * from './stream-part.js';
export type * from './embeddings.js';
export type * from './model-info.js';
export type { Usage } from './usage.js';
export { emptyUsage, totalTokens } from './usage.js';
export { embeddingVectors } from './embedding-vectors.js';
export { decodeBase64Floats } from './decode-base64-floats.js';
