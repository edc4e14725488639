import { sendJson as sendGatewayJson } from '@switchyard/core';
import type { Response } from 'express';

/** Writes a JSON answer. Admin answers may carry a secret, so no cache along the way may keep them. */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.setHeader('cache-control', 'no-store');
  sendGatewayJson(res, status, body);
}
