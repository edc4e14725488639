import type { MockScript } from '../mock-server/mock-script.js';
import { buildGeminiEmbeddingsResponse } from './embeddings/build-gemini-embeddings-response.js';
import { geminiJsonHeaders, notFoundBody } from './gemini-error-body.js';
import type { GeminiErrorCase } from './gemini-error-cases.js';
import type { GeminiMockContext } from './gemini-mock-context.js';
import { buildGeminiModelsPage } from './models/build-gemini-models-page.js';
import { geminiMockModels } from './models/gemini-mock-models.js';
import { respondToGenerateContent } from './respond-to-generate-content.js';

/** `/v1beta/models/gemini-2.5-flash:generateContent` → model path and method. */
const actionPattern = /^\/v1(?:beta)?\/((?:models|tunedModels)\/[^/:]+):([A-Za-z]+)$/;
const modelPattern = /^\/v1(?:beta)?\/(models\/[^/:]+)$/;

/** Routes a request to the endpoint's default answer; a script may still shape it (`reply`, `stream`, `headers`). */
export async function respondByDefault(context: GeminiMockContext, script: MockScript<GeminiErrorCase> = {}): Promise<void> {
  const { request, writer } = context;
  const headers = { ...geminiJsonHeaders, ...script.headers };
  const action = request.method === 'POST' ? actionPattern.exec(request.path) : null;
  if (action) {
    const [, modelPath, method] = action as unknown as [string, string, string];
    const model = modelPath.replace(/^models\//, '');
    switch (method) {
      case 'generateContent':
        return respondToGenerateContent(context, model, false, script);
      case 'streamGenerateContent':
        return respondToGenerateContent(context, model, true, script);
      case 'embedContent':
      case 'batchEmbedContents': {
        const result = buildGeminiEmbeddingsResponse(request.body, modelPath, method === 'batchEmbedContents');
        if ('invalid' in result) writer.sendJson(400, result.invalid, headers);
        else writer.sendJson(200, result.response, headers);
        return;
      }
    }
  }
  if (request.method === 'GET' && /^\/v1(?:beta)?\/models$/.test(request.path)) {
    const result = buildGeminiModelsPage(request.query);
    if ('invalid' in result) writer.sendJson(400, result.invalid, headers);
    else writer.sendJson(200, result.response, headers);
    return;
  }
  const single = request.method === 'GET' ? modelPattern.exec(request.path) : null;
  const known = single ? geminiMockModels.find((model) => model['name'] === single[1]) : undefined;
  if (known) {
    writer.sendJson(200, known, headers);
    return;
  }
  writer.sendJson(404, notFoundBody(`Method not found or model not known: ${request.method} ${request.path}.`), headers);
}
