import { createLogger } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminRouter } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger, usageRecord } from './support/memory-usage-ledger.js';

/**
 * `GET /admin/usage?format=csv`: the group column holds text others chose (team and
 * project names set by whoever creates keys, the model a client asked for, an error
 * code an upstream sent). Opened in a spreadsheet, no cell may be read as a formula,
 * and no control character may break or hide a record; the numbers stay numbers.
 */
const masterKey = 'sy-master-admin-test-0123456789';
let ledger: MemoryUsageLedger;
let app: express.Express;

beforeEach(() => {
  ledger = new MemoryUsageLedger();
  app = express().use('/admin', createAdminRouter({ keys: new MemoryKeyStore(), ledger, masterKey, logger: createLogger({ level: 'silent' }) }));
});

const at = '2026-11-02T10:00:00.000Z';
const csvBy = async (groupBy: string) => {
  const response = await request(app).get(`/admin/usage?group_by=${groupBy}&from=2026-11-01&to=2026-11-03&format=csv`).set('authorization', `Bearer ${masterKey}`);
  expect(response.status).toBe(200);
  return response.text;
};
/** The rows after the header, each as its first cell and the rest. */
const groupCells = (text: string) => text.slice(text.indexOf('\r\n') + 2);

describe('usage CSV cells holding text others chose', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+SUM(A1)', `'+SUM(A1)`],
    ["-2+3+cmd|' /C calc'!A0", `'-2+3+cmd|' /C calc'!A0`],
    ['@SUM(1)', `'@SUM(1)`],
    ['\t=1+1', `"'\t=1+1"`],
    ['\r=1+1', `"'\r=1+1"`],
    ['\n=1+1', `"'\n=1+1"`],
    // Leading blanks some importers trim, and the full-width signs some spreadsheets read as the ASCII ones.
    ['  =1+1', `'  =1+1`],
    ['trailing ', `"trailing "`],
    ['\uff1d1+1', `'\uff1d1+1`],
    ['\uff0bcmd', `'\uff0bcmd`],
    // A control character is quoted, as a line break is: a reader takes it as part of the cell.
    ['red\u001b[2J', `"red\u001b[2J"`],
    ['nul\u0000', `"nul\u0000"`],
    ['two\nlines', `"two\nlines"`],
    ['a "quoted", name', `"a ""quoted"", name"`],
    // A name that is a plain number cannot be a formula: it stays a number.
    ['-5', '-5'],
    ['+1.5e3', '+1.5e3'],
    ['plain', 'plain'],
  ])('team %j is written %j', async (team, cell) => {
    await ledger.append([usageRecord({ at, keyId: 'key_1', team, costUsd: -0.25, inputTokens: 3 })]);
    expect(groupCells(await csvBy('team'))).toBe(`${cell},1,3,0,0,0,-0.25,0,0,0\r\n`);
  });

  it('defuses the project, requested model and error code columns the same way', async () => {
    await ledger.append([usageRecord({ at, keyId: 'key_1', project: '=1+1', model: '@evil', errorCode: '-1+1', status: 502 })]);
    expect(groupCells(await csvBy('project'))).toBe(`'=1+1,1,0,0,0,0,0,1,0,0\r\n`);
    expect(groupCells(await csvBy('model'))).toBe(`'@evil,1,0,0,0,0,0,1,0,0\r\n`);
    expect(groupCells(await csvBy('error_code'))).toBe(`'-1+1,1,0,0,0,0,0,1,0,0\r\n`);
  });
});

describe('usage CSV header', () => {
  const header = async (query: string) => {
    const response = await request(app).get(`/admin/usage?${query}&format=csv`).set('authorization', `Bearer ${masterKey}`);
    expect(response.status).toBe(200);
    return response.text.slice(0, response.text.indexOf('\r\n'));
  };
  const bucketed = 'team,bucket,requests,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,cost_usd,errors,estimated_requests,estimated_cost_usd';

  // A script reading the columns by position read the requests as the bucket once a window had data.
  it('has the bucket column whenever a bucket is asked for, in a window with no data too', async () => {
    expect(await header('group_by=team&bucket=hour&from=2026-11-01&to=2026-11-02')).toBe(bucketed);
    await ledger.append([usageRecord({ at: '2026-11-01T10:00:00.000Z', keyId: 'key_1', team: 'red' })]);
    expect(await header('group_by=team&bucket=hour&from=2026-11-01&to=2026-11-02')).toBe(bucketed);
    expect(await header('group_by=team&from=2026-11-01&to=2026-11-02')).toBe(bucketed.replace('bucket,', ''));
  });
});
