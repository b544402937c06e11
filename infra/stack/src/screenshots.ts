#!/usr/bin/env node
/**
 * `pnpm screenshots`: the console's main pages as a person sees them, into docs/screenshots/, on
 * the system `./switchboard up` runs. It runs the demo first (a booking, calls, an invoice, a
 * campaign), signs in as the local stack's operator in Chromium, and photographs the flow of the
 * booking, the calls by their invoice's number, the topics, the dead letters, the health page and
 * the event API.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleUrlFromEnv } from '@switchboard/config';
import { launchBrowser, signInToConsole } from './chromium.ts';
import { runDemo } from './demo.ts';
import { userPasswordFile } from './secrets.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const OUT = join(ROOT, 'docs', 'screenshots');
const CONSOLE = consoleUrlFromEnv();

async function main(): Promise<void> {
  const ready = await fetch(`${CONSOLE}/health/ready`).catch(() => undefined);
  if (!ready?.ok)
    throw new Error(`the console does not answer at ${CONSOLE}: start the system with ./switchboard up`);
  const flows = await runDemo();
  await mkdir(OUT, { recursive: true });
  const browser = await launchBrowser();
  try {
    const page = await signInToConsole(
      browser,
      CONSOLE,
      'operator',
      (await readFile(userPasswordFile('operator'), 'utf8')).trim(),
    );
    const shoot = async (
      name: string,
      path: string,
      settle?: () => Promise<void>,
      fullPage = true,
    ): Promise<void> => {
      const started = performance.now();
      await page.goto(`${CONSOLE}${path}`);
      const loadedMs = Math.round(performance.now() - started);
      await settle?.();
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage });
      console.log(`wrote docs/screenshots/${name}.png (${path}, loaded in ${loadedMs} ms)`);
    };
    const search = (kind: string, key: string): string =>
      `/flows?${new URLSearchParams({ kind, key }).toString()}`;
    // Traces reach Jaeger in batches: wait until the booking's shows the confirmation email.
    for (let tries = 0; tries < 30; tries++) {
      await page.goto(`${CONSOLE}${search('order', flows.orderId)}`);
      if ((await page.locator('[data-testid=timeline] tr[data-service=mailing]').count()) > 0) break;
      await page.waitForTimeout(2000);
    }
    await shoot('flow-booking', search('order', flows.orderId), async () => {
      await page.locator('details.waterfall-box summary').first().click();
    });
    await shoot('flow-invoice', search('invoiceNumber', flows.invoiceNumber));
    await shoot('topics', '/topics');
    await shoot('dead-letters', '/dead-letters');
    await shoot('health', '/status');
    await shoot(
      'event-api',
      '/asyncapi',
      async () => {
        await page.getByText('Switchboard events').first().waitFor({ state: 'attached', timeout: 30_000 });
        await page.waitForTimeout(1000);
      },
      // The rendered document is tens of screens long: its first screen.
      false,
    );
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(`screenshots: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
