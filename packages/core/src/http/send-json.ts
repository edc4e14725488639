import type { Response } from 'express';
import { answerHead } from './answer-head.js';
import { endWholeAnswer } from './whole-answer-writer.js';

const jsonContentType = 'application/json; charset=utf-8';

/**
 * Writes a JSON answer directly. Express's `res.json` also computes an ETag over
 * every body (a hash per response) that no API client uses. The headers go to
 * `writeHead` as a flat array, after the request's collected gateway headers: no
 * object and no key list to walk per answer. A client that stops reading is
 * disconnected after `limits.client_stall_ms` (see `endWholeAnswer`).
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const byteLength = Buffer.byteLength(text);
  res.writeHead(status, answerHead(res, ['content-type', jsonContentType, 'content-length', String(byteLength)]));
  endWholeAnswer(res, text, byteLength);
}
