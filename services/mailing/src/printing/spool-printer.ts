import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Printer, PrintJob } from './printer.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The print spool: a folder a print room (or a test) collects letters from, one PDF per letter at
 * `<dir>/<campaignId>/<customerId>.pdf`. A letter is written under `<dir>/.tmp/`, flushed to disk
 * and renamed into place, so a reader never sees half a file; and because its name follows from
 * the campaign and the customer, printing a letter again replaces it instead of adding a second.
 */
export class SpoolPrinter implements Printer {
  readonly kind = 'spool';

  constructor(private readonly dir: string) {}

  /** Where a letter lands. */
  pathOf(campaignId: string, customerId: string): string {
    if (!UUID.test(campaignId) || !UUID.test(customerId))
      throw new Error('spool file names are made of UUIDs');
    return join(this.dir, campaignId, `${customerId}.pdf`);
  }

  async print(job: PrintJob): Promise<void> {
    const target = this.pathOf(job.campaignId, job.customerId);
    const tmpDir = join(this.dir, '.tmp');
    await mkdir(tmpDir, { recursive: true });
    await mkdir(join(this.dir, job.campaignId), { recursive: true });
    const tmp = join(tmpDir, `${job.campaignId}.${job.customerId}.${randomUUID()}.pdf`);
    try {
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(job.pdf);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}
