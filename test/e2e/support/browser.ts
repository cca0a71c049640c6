/** Shared set-up for the browser tests: which Chromium, its flags, and built browser bundles. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
