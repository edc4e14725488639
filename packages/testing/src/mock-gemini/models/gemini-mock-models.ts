/** The models the mock lists, in the shape of Gemini's `GET /models`. */
export const geminiMockModels: ReadonlyArray<Record<string, unknown>> = [
  chatModel('gemini-2.5-flash', 'Gemini 2.5 Flash'),
  chatModel('gemini-2.5-pro', 'Gemini 2.5 Pro'),
  chatModel('gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite'),
  {
    name: 'models/gemini-embedding-001',
    version: '001',
    displayName: 'Gemini Embedding 001',
    description: 'Obtain a distributed representation of a text.',
    inputTokenLimit: 2048,
    outputTokenLimit: 1,
    supportedGenerationMethods: ['embedContent', 'countTextTokens', 'countTokens', 'asyncBatchEmbedContent'],
  },
  {
    name: 'models/imagen-4.0-generate-001',
    version: '001',
    displayName: 'Imagen 4',
    description: 'Vertex served Imagen 4.0 model',
    inputTokenLimit: 480,
    outputTokenLimit: 8192,
    supportedGenerationMethods: ['predict'],
  },
];

function chatModel(id: string, displayName: string): Record<string, unknown> {
  return {
    name: `models/${id}`,
    version: '001',
    displayName,
    description: `Stable version of ${displayName}.`,
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: true,
  };
}
