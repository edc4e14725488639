import { startLoopbackUpstream } from './loopback-upstream.js';

/**
 * An upstream that answers every request 200 `application/json` with the body last set,
 * whatever was asked (a whole answer or a stream): a provider, or a proxy in front of
 * one, that says its failures at 200.
 */
export interface AnswerAt200Upstream {
  /** Its origin, `http://127.0.0.1:<port>`, once listening. */
  origin: string;
  /** The body of the next answers. */
  answerWith(body: string): void;
  close(): Promise<void>;
}

export async function startAnswerAt200Upstream(): Promise<AnswerAt200Upstream> {
  let body = '';
  const upstream = await startLoopbackUpstream((_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  return {
    origin: upstream.origin,
    answerWith: (text) => {
      body = text;
    },
    close: upstream.close,
  };
}
