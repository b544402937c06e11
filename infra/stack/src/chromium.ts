import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type StackPaths, stackPaths } from './paths.ts';
import { StackError } from './errors.ts';
import { aptInstall, which } from './tools.ts';

/**
 * The Chromium the browser tests and the screenshots drive: `CHROMIUM_PATH`, or `chromium` on
 * PATH, or Debian's package, installed once with apt-get when run as root (test tools' own browser
 * downloads are not used: they fetch from outside the package registries).
 */
export async function ensureChromium(
  paths: StackPaths = stackPaths(),
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const configured = process.env.CHROMIUM_PATH?.trim();
  if (configured) return configured;
  const found = (await which('chromium')) ?? (await which('chromium-browser'));
  if (found) return found;
  log('installing Chromium (apt-get install chromium, first use only)');
  await mkdir(paths.logs, { recursive: true });
  const logFile = join(paths.logs, 'chromium-install.log');
  await aptInstall('Chromium', ['chromium'], logFile, ({ root, aptGet }) =>
    !aptGet
      ? 'chromium not found on PATH: install Chromium with your OS packages or set CHROMIUM_PATH'
      : !root
        ? 'chromium not found on PATH: install it with `sudo apt-get install chromium` or set CHROMIUM_PATH'
        : 'chromium not found on PATH: install it with `apt-get install chromium`',
  );
  const installed = await which('chromium');
  if (!installed) throw new StackError(`apt-get installed chromium, yet it is not on PATH; see ${logFile}`);
  return installed;
}

/** Chromium, headless, driven through the DevTools protocol (playwright-core, which downloads nothing). */
export async function launchBrowser(paths: StackPaths = stackPaths()): Promise<Browser> {
  return chromium.launch({
    executablePath: await ensureChromium(paths),
    headless: true,
    // As root, Chromium's sandbox cannot start; the pages are Switchboard's own, on loopback.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/**
 * Opens the console as `user`, through the identity provider's sign-in form as a person does, in a
 * browser context of its own (its own cookies).
 */
export async function signInToConsole(
  browser: Browser,
  consoleUrl: string,
  user: string,
  password: string,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${consoleUrl}/`);
  await page.locator('#username').fill(user);
  await page.locator('#password').fill(password);
  await Promise.all([page.waitForURL(`${consoleUrl}/**`), page.locator('#kc-login').click()]);
  return page;
}
