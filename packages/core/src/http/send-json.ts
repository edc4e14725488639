import type { Response } from 'express';

/**
 * Writes a JSON answer directly. Express's `res.json` also computes an ETag over
 * every body (a hash per response) that no API client uses.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
