import type { UpstreamResponseInfo } from '@switchyard/core';

/** `x-amzn-RequestId`: Converse bodies carry no id, so the request id stands in for one. */
export function readRequestId(info: UpstreamResponseInfo | undefined): string | undefined {
  const value = info?.headers['x-amzn-requestid'];
  const id = Array.isArray(value) ? value[0] : value;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
