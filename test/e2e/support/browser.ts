/** Shared set-up for the browser tests: which Chromium, its flags, and built browser bundles. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const OUTPUTS = ['dist/widget/parley.js', 'dist/widget/chat.js', 'dist/console/index.html', 'dist/console/app.js'];

/** `npm test` builds first; a test run on its own builds when the bundles are missing. */
export function ensureBuilt(): void {
  if (OUTPUTS.every((f) => existsSync(join(ROOT, f)))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bin/build.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/** How long a live update may take to show in a browser test. */
export const LIVE = { timeout: 15_000 };

/** Signs an operator in to the console at `baseUrl` and sets them online, as a person would. */
export async function signInOnline(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('visitors-grid').waitFor(LIVE);
  await expect.poll(() => page.getByTestId('operator-status').isEnabled(), LIVE).toBe(true);
  await page.getByTestId('operator-status').selectOption('online');
  await expect.poll(() => page.getByTestId('operator-status').inputValue(), LIVE).toBe('online');
}
