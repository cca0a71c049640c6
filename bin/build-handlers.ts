/**
 * The Lambda bundles, built exactly as CDK's NodejsFunction builds them (lib/lambda-bundling.ts),
 * into dist/lambda/<entry>/index.mjs (+ .map, + licence file), and their cold-start figures:
 *   tsx bin/build-handlers.ts            build every entry of routes.ts, print sizes
 *   tsx bin/build-handlers.ts --init     also measure init (median of several fresh Node processes)
 *   tsx bin/build-handlers.ts --analyze  also print what each of the largest bundles is made of
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { analyzeMetafile, build } from 'esbuild';
import { BUNDLE_ROOT, entryFile, lambdaEntries, lambdaEsbuildOptions } from '../lib/lambda-bundling.js';

const run = promisify(execFile);

export interface HandlerBundle {
  entry: string;
  file: string;
  bytes: number;
}

/** Builds the given entries (default: all) into `outDir/<entry>/index.mjs`. */
export async function buildHandlers(
  outDir = join(BUNDLE_ROOT, 'dist', 'lambda'),
  entries = lambdaEntries(),
  options: { analyze?: boolean } = {},
): Promise<HandlerBundle[]> {
  await rm(outDir, { recursive: true, force: true });
  const out: HandlerBundle[] = [];
  // One at a time: the machine is shared, and esbuild is fast enough (a few seconds for all).
  for (const entry of entries) {
    const file = join(outDir, entry, 'index.mjs');
    await mkdir(join(outDir, entry), { recursive: true });
    const result = await build({ ...lambdaEsbuildOptions(entryFile(entry), file), metafile: true });
    await writeFile(join(outDir, entry, 'meta.json'), JSON.stringify(result.metafile));
    if (options.analyze) console.log(`\n${entry}:${await analyzeMetafile(result.metafile, { verbose: false })}`);
    out.push({ entry, file, bytes: (await stat(file)).size });
  }
  return out;
}

/** What a function's environment looks like at init (nothing is called: init is the import). */
const INIT_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'init',
  AWS_SECRET_ACCESS_KEY: 'init',
  TABLE_NAME: 'parley',
  WS_CALLBACK_URL: 'https://example.execute-api.eu-west-1.amazonaws.com/ws',
  PARLEY_LOG: 'silent',
};

const PROBE =
  'const t=performance.now();await import(process.argv[1]);process.stdout.write(String(performance.now()-t));';

/**
 * Init time of a bundle: the time to import it (module graph parsed, compiled and evaluated, as in
 * Lambda's init phase) in a fresh Node process, median of `runs`. Process start-up is not counted.
 */
export async function measureInit(file: string, runs = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE, file], {
      env: { PATH: process.env.PATH ?? '', ...INIT_ENV },
    });
    times.push(Number(stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const withInit = process.argv.includes('--init');
  const bundles = await buildHandlers(undefined, undefined, { analyze: process.argv.includes('--analyze') });
  for (const b of bundles) {
    const init = withInit ? `  init ${(await measureInit(b.file)).toFixed(1).padStart(5)} ms` : '';
    console.log(`  dist/lambda/${b.entry.padEnd(18)} ${(b.bytes / 1024).toFixed(1).padStart(6)} KB${init}`);
  }
}
