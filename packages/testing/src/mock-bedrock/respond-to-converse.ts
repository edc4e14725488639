import type { MockScript } from '../mock-server/mock-script.js';
import { buildConverseResponse, buildConverseStreamFrames } from './build-converse-answer.js';
import type { BedrockErrorCase } from './bedrock-error-cases.js';
import type { BedrockMockContext } from './bedrock-mock-context.js';
import { encodeEventFrame } from './encode-event-frame.js';
import { planBedrockReply } from './plan-bedrock-reply.js';
import { readConverseRequest } from './read-converse-request.js';
import { sendEventFrames } from './send-event-frames.js';

/** The default answer to `POST /model/{id}/converse` and `/converse-stream`. */
export async function respondToConverse(context: BedrockMockContext, stream: boolean, script: MockScript<BedrockErrorCase> = {}): Promise<void> {
  const { writer, requestId } = context;
  const headers = { 'x-amzn-requestid': requestId, ...lowerCaseKeys(script.headers) };
  const reading = readConverseRequest(context.request.body);
  if ('invalid' in reading) {
    writer.sendJson(400, { message: reading.invalid }, { ...headers, 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' });
    return;
  }
  const reply = planBedrockReply(reading.request, context.ids, script.reply);
  if (!stream) {
    writer.sendJson(200, buildConverseResponse(reply), headers);
    return;
  }
  await sendEventFrames(context.res, writer, buildConverseStreamFrames(reply), script.stream ?? {}, headers, {
    exceptionFrame: exceptionFrame(context),
    onCut: context.markCut,
  });
}

/** The fixture's in-stream exception (`stream_exception_frame` of `errors.json`), encoded. */
export function exceptionFrame(context: BedrockMockContext): Buffer {
  return encodeEventFrame(context.errors.streamException.headers, context.errors.streamException.payload);
}

export function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
}
