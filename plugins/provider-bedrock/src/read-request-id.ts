import { maxStreamNameChars, type UpstreamResponseInfo } from '@switchyard/core';

/**
 * `x-amzn-RequestId`: Converse bodies carry no id, so the request id stands in for one.
 * One past maxStreamNameChars is not taken (none: the answer is named by the gateway), as
 * a stream's id and model are not: bounded only by Node's 16 KiB header limit, a 15,000
 * character one was a whole answer's id as it came. Real ones are UUIDs (36 characters).
 */
export function readRequestId(info: UpstreamResponseInfo | undefined): string | undefined {
  const value = info?.headers['x-amzn-requestid'];
  const id = Array.isArray(value) ? value[0] : value;
  return typeof id === 'string' && id !== '' && id.length <= maxStreamNameChars ? id : undefined;
}
