import { estimatePromptTokens, estimateTokens, type CommonErrorCase, type MockScript, type RecordedRequest, type ResponseWriter } from '@switchyard/testing';
import { acmeErrorCases, acmeStreamFaultLine } from './acme-error-cases.js';

/** Everything a responder needs to answer one request. */
export interface AcmeMockContext {
  request: RecordedRequest;
  writer: ResponseWriter;
  /** A fresh ticket id for each answer. */
  ticket(): string;
}

const engines = ['acme-large', 'acme-small'];
/** What the mock says when no script says otherwise: a fixed line, not an echo. */
export const acmeDefaultOutput = 'Acme engines at your service.';

/** Answers the way a script says: `hang`, then `error`, then `status`/`body`, else the default shaped by `reply` and `stream`. */
export async function respondWithScript(context: AcmeMockContext, script: MockScript<CommonErrorCase>): Promise<void> {
  const { writer } = context;
  if (script.delayMs && !(await writer.pause(script.delayMs))) return;
  if (script.hang) return;
  if (script.error) {
    const answer = acmeErrorCases[script.error];
    writer.sendJson(answer.status, { fault: { reason: answer.reason, message: answer.message } }, script.headers);
  } else if (script.status !== undefined || script.body !== undefined) {
    writer.sendScripted(script, script.headers);
  } else {
    await respondByDefault(context, script);
  }
}

/** The default answer of each route. */
export async function respondByDefault(context: AcmeMockContext, script: MockScript<CommonErrorCase> = {}): Promise<void> {
  const { request, writer } = context;
  const route = `${request.method} ${request.path}`;
  if (route === 'GET /v1/engines') {
    writer.sendJson(200, { engines: engines.map((name) => ({ name, family: 'acme' })) }, script.headers);
  } else if (route === 'POST /v1/chat') {
    await respondToChat(context, script);
  } else {
    writer.sendJson(404, { fault: { reason: 'no_route', message: `No route ${route}.` } }, script.headers);
  }
}

async function respondToChat(context: AcmeMockContext, script: MockScript<CommonErrorCase>): Promise<void> {
  const { writer } = context;
  const body = context.request.body as { engine?: unknown; dialogue?: Array<{ speaker?: unknown; text?: unknown }>; stream?: unknown } | undefined;
  // As strict as a real API where a gateway goes wrong: a malformed dialogue is a 400.
  const dialogue = body?.dialogue;
  if (typeof body?.engine !== 'string' || !Array.isArray(dialogue) || dialogue.length === 0 ||
      !dialogue.every((turn) => ['system', 'human', 'bot'].includes(String(turn.speaker)) && typeof turn.text === 'string')) {
    const answer = acmeErrorCases.bad_request;
    writer.sendJson(answer.status, { fault: { reason: answer.reason, message: 'engine and a dialogue of {speaker, text} turns are required' } });
    return;
  }
  const output = script.reply?.content ?? acmeDefaultOutput;
  const usage = script.reply?.usage;
  const meter = {
    read: usage?.prompt_tokens ?? estimatePromptTokens(dialogue.map((turn) => String(turn.text))),
    written: usage?.completion_tokens ?? estimateTokens(output),
  };
  const endedBecause = script.reply?.finishReason === 'length' ? 'max_len' : 'done';
  const ticket = context.ticket();
  if (body.stream !== true) {
    writer.sendJson(200, { ticket, engine: body.engine, output, ended_because: endedBecause, meter }, script.headers);
    return;
  }
  const lines = [
    { kind: 'begin', ticket, engine: body.engine },
    ...(output.match(/\S+\s*/g) ?? []).map((text) => ({ kind: 'chunk', text })),
    { kind: 'end', ended_because: endedBecause, meter },
  ].map((line) => `${JSON.stringify(line)}\n`);
  await writer.sendEvents(lines, script.stream, { 'content-type': 'application/x-ndjson', ...script.headers }, acmeStreamFaultLine);
}
