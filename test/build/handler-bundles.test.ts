/**
 * The Lambda bundles, built with the settings CDK uses (lib/lambda-bundling.ts): within their size
 * budget, free of what a Lambda function never runs, and loadable. Init time is a benchmark figure
 * (`npm run bench`), not a test: it depends on the machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandlers, type HandlerBundle, measureInit } from '../../bin/build-handlers.js';
import { HANDLER_BUNDLE_BUDGET_BYTES, lambdaEntries } from '../../lib/lambda-bundling.js';

const outDir = mkdtempSync(join(tmpdir(), 'parley-lambda-'));
let bundles: HandlerBundle[] = [];

beforeAll(async () => {
  bundles = await buildHandlers(outDir);
}, 180_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The packages that went into a bundle, from its esbuild metafile. */
function inputsOf(b: HandlerBundle): string[] {
  const meta = JSON.parse(readFileSync(join(outDir, b.entry, 'meta.json'), 'utf8')) as {
    inputs: Record<string, unknown>;
  };
  return Object.keys(meta.inputs);
}

function packagesIn(b: HandlerBundle): Set<string> {
  const names = inputsOf(b)
    .map((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1])
    .filter((n): n is string => Boolean(n));
  return new Set(names);
}

describe('the Lambda bundles', () => {
  it('builds one bundle for every function entry in routes.ts', () => {
    expect(bundles.map((b) => b.entry)).toEqual(lambdaEntries());
  });

  it(`keeps every bundle within ${HANDLER_BUNDLE_BUDGET_BYTES / 1024} KB`, () => {
    for (const b of bundles) expect(b.bytes, b.entry).toBeLessThan(HANDLER_BUNDLE_BUDGET_BYTES);
  });

  it('bundles the SDK v3 clients but not the default credential chain, event streams or aws-sdk v2', () => {
    for (const b of bundles) {
      const pkgs = packagesIn(b);
      expect(pkgs.has('@aws-sdk/client-dynamodb'), b.entry).toBe(true);
      for (const gone of [
        'aws-sdk',
        '@aws-sdk/credential-provider-node',
        '@aws-sdk/credential-provider-ini',
        '@aws-sdk/credential-provider-sso',
        '@aws-sdk/nested-clients',
        '@aws-sdk/token-providers',
        '@smithy/credential-provider-imds',
        '@aws-sdk/middleware-endpoint-discovery',
      ]) {
        expect(pkgs.has(gone), `${b.entry} bundles ${gone}`).toBe(false);
      }
      expect(
        inputsOf(b).filter((p) => p.includes('submodules/event-streams')),
        b.entry,
      ).toEqual([]);
      // Source maps are separate files, not inlined into the code Node parses.
      const text = readFileSync(b.file, 'utf8');
      expect(text.includes('sourceMappingURL=data:'), b.entry).toBe(false);
      expect(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/.test(text), b.entry).toBe(true);
    }
  });

  it('loads in a fresh Node process and exports a handler', async () => {
    const b = bundles.find((x) => x.entry === 'chat-message')!;
    const ms = await measureInit(b.file, 1);
    expect(Number.isFinite(ms)).toBe(true);
    const mod = (await import(b.file)) as { handler?: unknown };
    expect(typeof mod.handler).toBe('function');
  });
});
