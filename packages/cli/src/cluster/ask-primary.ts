/** Why a worker's question to the cluster primary got no answer. */
export type NoAnswer = { reason: 'gone' | 'timeout'; detail: string };

/** A message over the cluster's IPC channel: its type, and the id of the question it answers. */
export interface IpcMessage {
  type?: unknown;
  id?: unknown;
  [field: string]: unknown;
}

let lastQuestion = 0;

/**
 * Worker: sends the primary a question of type `question` under a fresh id and resolves with
 * the first message of type `answer` that carries the same id; `fields` go with the question. Rejects with `fail`'s error
 * when no answer comes within `timeoutMs` or the IPC channel closes (or is missing) first;
 * either way its listeners and timer are gone.
 */
export function askPrimary(
  question: string,
  answer: string,
  timeoutMs: number,
  fail: (why: NoAnswer) => Error,
  fields: Record<string, unknown> = {},
): Promise<IpcMessage> {
  return new Promise((resolve, reject) => {
    const id = ++lastQuestion;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      outcome();
    };
    const noAnswer = (reason: NoAnswer['reason'], detail: string) => settle(() => reject(fail({ reason, detail })));
    const onMessage = (message: unknown) => {
      const received = message as IpcMessage | null;
      if (received?.type === answer && received.id === id) settle(() => resolve(received));
    };
    const onDisconnect = () => noAnswer('gone', 'the primary is gone');
    const timer = setTimeout(() => noAnswer('timeout', `no answer within ${timeoutMs / 1000} s`), timeoutMs);
    if (!process.send || !process.connected) return noAnswer('gone', 'no IPC channel');
    process.on('message', onMessage);
    process.on('disconnect', onDisconnect);
    process.send({ ...fields, type: question, id }, undefined, undefined, (error: Error | null) => error && noAnswer('gone', error.message));
  });
}
