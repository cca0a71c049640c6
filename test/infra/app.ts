/**
 * Builds the Parley CDK app the way `npx cdk synth` does (same context from cdk.json), for the
 * infrastructure tests. Bundling the functions with esbuild takes a while, so each test file
 * synthesizes once and shares the result.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { REPO_ROOT } from '../../lib/function.js';
import { ParleyStack } from '../../lib/parley-stack.js';

export const TEST_SITE_ID = 'demo';
export const TEST_MAIL_FROM = 'parley@example.com';

/** Generous: an esbuild bundle per handler function (WS routes, HTTP API, stream, events, schedules). */
export const SYNTH_TIMEOUT_MS = 300_000;

export function createParleyApp(): { app: App; stack: ParleyStack } {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const app = new App({ context: cdkJson.context ?? {} });
  const stack = new ParleyStack(app, 'ParleyTest', { mailFrom: TEST_MAIL_FROM, siteId: TEST_SITE_ID });
  return { app, stack };
}
