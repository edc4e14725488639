import type { RecordedRequest } from './recorded-request.js';
import type { ResponseWriter } from './response-writer.js';
import type { MockServerState } from './start-mock-server.js';

/**
 * Counts a request as aborted when its connection closes before the answer is
 * finished, and not by the mock's own doing (a scripted cut, or `close()`).
 * `cutByMock` covers cuts a mock makes without the writer (Bedrock's raw frames).
 */
export function watchForClientAbort(
  state: Pick<MockServerState, 'aborts' | 'closing'>,
  request: RecordedRequest,
  writer: ResponseWriter,
  cutByMock: () => boolean = () => false,
): void {
  const onClose = (): void => {
    if (writer.finished || writer.wasCut || cutByMock() || state.closing) return;
    request.aborted = true;
    state.aborts.add();
  };
  if (writer.signal.aborted) onClose();
  else writer.signal.addEventListener('abort', onClose, { once: true });
}
