import { defineProvider } from '@switchyard/core';
import { createMockChat } from './mock-chat.js';
import { createMockEmbeddings } from './mock-embeddings.js';
import { mockOptionsSchema, type MockOptions } from './mock-options.js';

/**
 * An offline provider for demos, tests and benchmarks: `mock/echo` answers with the
 * last user message, streams it word by word, calls tools when asked, and acts out
 * latency and failures on request.
 */
const mock = defineProvider<MockOptions>({
  name: 'mock',
  optionsSchema: mockOptionsSchema,
  create: (options) => ({
    chat: createMockChat(options),
    embeddings: createMockEmbeddings(options),
    models: { list: async () => options.models.map((id) => ({ id, ownedBy: 'switchyard' })) },
  }),
});

export default mock;
export { mock, mockOptionsSchema, type MockOptions };
export { mockFailures, type MockBehaviour, type MockFailure } from './mock-options.js';
export { composeReply } from './compose-reply.js';
