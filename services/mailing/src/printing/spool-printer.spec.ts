import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolPrinter } from './spool-printer.ts';

describe('SpoolPrinter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one file per letter at <campaignId>/<customerId>.pdf; printing it again replaces it', async () => {
    const campaignId = randomUUID();
    const customerId = randomUUID();
    const spool = new SpoolPrinter(dir);
    await spool.print({ campaignId, customerId, pdf: Buffer.from('first') });
    await spool.print({ campaignId, customerId, pdf: Buffer.from('second') });
    expect(await readdir(join(dir, campaignId))).toEqual([`${customerId}.pdf`]);
    expect(await readFile(join(dir, campaignId, `${customerId}.pdf`), 'utf8')).toBe('second');
    // Nothing half-written is left behind.
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });

  it('refuses names that are not UUIDs (no path can leave the spool)', async () => {
    await expect(
      new SpoolPrinter(dir).print({ campaignId: '../etc', customerId: randomUUID(), pdf: Buffer.alloc(1) }),
    ).rejects.toThrow(/UUIDs/);
  });
});
