/**
 * How every Parley Lambda function is bundled, in one place: lib/function.ts hands it to CDK's
 * NodejsFunction (which runs the esbuild CLI), and bin/build-handlers.ts, the bundle-size test and
 * the benchmark run esbuild's API with the very same settings, so what is measured is what ships.
 *
 * Plain data and esbuild types only: no aws-cdk-lib import, so the build script stays fast.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import {
  EVENT_RULES,
  HTTP_API_ENTRY,
  REPORT_STREAM_ENTRY,
  SCHEDULE_TARGETS,
  STREAM_ENTRY,
  WS_AUTHORIZER_ENTRY,
  WS_ROUTES,
} from '../functions/handlers/routes.js';

/** Repository root; NodejsFunction runs esbuild here (its projectRoot), so aliases are relative to it. */
export const BUNDLE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Targets (issue 8): each bundle, as CDK builds it, and its init in a fresh Node process. */
export const HANDLER_BUNDLE_MAX_BYTES = 150 * 1024;
export const HANDLER_INIT_MAX_MS = 50;
/**
 * What test/build/handler-bundles.test.ts holds every bundle to today. NOT the 150 KB target: the
 * DynamoDB client alone bundles to about 165 KB minified (its schema-based serde, endpoint rules,
 * retry, signing and HTTP layers), and a WebSocket route needs it plus the management API client,
 * zod and the store; docs/performance.md has the breakdown. This guards what was won (the bundles
 * were ~410-470 KB) against regressions while the target stays open.
 */
export const HANDLER_BUNDLE_BUDGET_BYTES = 384 * 1024;

/**
 * ESM bundles still meet CommonJS dependencies that call `require` (some SDK internals do); this
 * banner gives them one.
 */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Module replacements for the Lambda bundles only (tests and the local runtime run the real
 * modules unbundled). Each one removes code no Parley function can reach in Lambda:
 * - the SDK clients' default credential chain (SSO, ini files, process, web identity, container
 *   and instance metadata, with the STS/SSO/sign-in clients and the XML protocol they bring): Lambda
 *   puts the role's credentials in the environment, so `fromEnv()` is the whole chain there;
 * - event-stream serde, which the SDK's HTTP protocol imports with `import()`: a single-file bundle
 *   inlines it, and no operation Parley calls streams events;
 * - DynamoDB endpoint discovery (off unless enabled; Parley never enables it) and its LRU cache.
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './functions/adapters/lambda-credentials.ts',
  '@smithy/core/event-streams': './functions/adapters/no-event-streams.ts',
  '@aws-sdk/middleware-endpoint-discovery': './functions/adapters/no-endpoint-discovery.ts',
};

/**
 * The one description of a Lambda bundle. Source maps are written beside the bundle (`.map`, no
 * sources inlined): they ship in the asset for reading stack traces, not in the code Node parses.
 */
export const LAMBDA_BUNDLE = {
  target: 'node22',
  format: 'esm',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // ESM builds of dependencies first: they tree-shake, CommonJS builds do not.
  mainFields: ['module', 'main'] as string[],
  banner: ESM_REQUIRE_BANNER,
  aliases: LAMBDA_ALIASES,
  // Licence texts go to a file beside the bundle instead of its end.
  legalComments: 'linked',
} as const;

/** esbuild CLI flags NodejsFunction has no property for (its `esbuildArgs`). */
export function cdkEsbuildArgs(): Record<string, string | boolean | string[]> {
  return {
    '--alias': Object.entries(LAMBDA_BUNDLE.aliases).map(([from, to]) => `${from}=${to}`),
    '--legal-comments': LAMBDA_BUNDLE.legalComments,
  };
}

/**
 * esbuild API options equal to what NodejsFunction runs (`esbuild --bundle entry --platform=node
 * --target --format --outfile=<dir>/index.mjs --minify --sourcemap --sources-content=false
 * --banner:js --main-fields`, plus `cdkEsbuildArgs()`, in the repository root).
 */
export function lambdaEsbuildOptions(entryFile: string, outfile: string): BuildOptions {
  return {
    absWorkingDir: BUNDLE_ROOT,
    entryPoints: [entryFile],
    outfile,
    bundle: true,
    platform: 'node',
    target: LAMBDA_BUNDLE.target,
    format: LAMBDA_BUNDLE.format,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourceMap,
    sourcesContent: LAMBDA_BUNDLE.sourcesContent,
    mainFields: LAMBDA_BUNDLE.mainFields,
    banner: { js: LAMBDA_BUNDLE.banner },
    alias: { ...LAMBDA_BUNDLE.aliases },
    legalComments: LAMBDA_BUNDLE.legalComments,
    logLevel: 'warning',
  };
}

/**
 * Memory of each function, chosen from the benchmark (docs/performance.md, "Memory"): Lambda gives
 * CPU in proportion to memory (a whole vCPU at 1,769 MB), and both a cold start (importing the
 * bundle: all CPU, no I/O) and a warm invocation's own work are CPU-bound. For the functions a
 * person waits on (WebSocket routes, the authorizer, the HTTP API) 512 MB halves that CPU time
 * against 256 MB for a few hundredths of a cent per thousand chats; the background functions
 * (stream, mail, schedule targets) are not waited on and stay at 256 MB.
 */
export const INTERACTIVE_MEMORY_MB = 512;
export const BACKGROUND_MEMORY_MB = 256;

export function functionMemoryMb(entry: string): number {
  const interactive = new Set([...WS_ROUTES.map((r) => r.entry), WS_AUTHORIZER_ENTRY, HTTP_API_ENTRY]);
  return interactive.has(entry) ? INTERACTIVE_MEMORY_MB : BACKGROUND_MEMORY_MB;
}

/**
 * CloudWatch Logs settings of every function (lib/function.ts hands them to CDK; the benchmark
 * prices the log bytes they let through, test/bench/prices.ts). Plain strings, the values of CDK's
 * `LoggingFormat`, `SystemLogLevel` and `ApplicationLogLevel`.
 *
 * - JSON format: required for any log-level filtering, and Parley's own lines are JSON already
 *   (functions/adapters/log.ts writes them straight to stdout/stderr with a `level` key, which is
 *   what Lambda filters application logs of non-console loggers on).
 * - System (platform) level WARN: AWS's "Log-level filtering" page (Lambda developer guide) says
 *   that at the default system level, INFO, Lambda sends the "start" and "report" messages of every
 *   invocation (JSON: `platform.start`, `platform.report`), that a level sends its own events and
 *   the less detailed ones, and that WARN is the least detailed of DEBUG, INFO, WARN. So WARN drops
 *   the per-invocation start and report lines (and the init lines of cold starts); what it keeps
 *   are the platform events AWS files under WARN, which a successful invocation does not produce.
 *   (That page's per-event table was not readable from here: check it before relying on one event.)
 *   Lost: each invocation's report (billed duration, max memory used, init duration, and its
 *   status, where a timeout or running out of memory shows). Lambda's metrics (Duration, Errors,
 *   Throttles, ConcurrentExecutions) still count those, a handler's own failures stay (ERROR
 *   lines), and `cdk deploy -c parley:lambdaSystemLogLevel=INFO` brings the lines back while
 *   measuring memory.
 * - Application level INFO: keeps Parley's error and warn lines and its one `done` line per
 *   invocation (outcome, duration and the invocation's EMF metrics: dropping INFO would drop the
 *   metrics too, since Lambda filters before CloudWatch extracts them).
 */
export const LAMBDA_LOGGING = {
  format: 'JSON',
  systemLogLevel: 'WARN',
  applicationLogLevel: 'INFO',
} as const;

/** CDK context key that overrides `LAMBDA_LOGGING.systemLogLevel` (DEBUG, INFO or WARN). */
export const SYSTEM_LOG_LEVEL_CONTEXT = 'parley:lambdaSystemLogLevel';

/** Every handler entry a Lambda function is built from, read from routes.ts (the CDK app's list). */
export function lambdaEntries(): string[] {
  return [
    ...new Set([
      ...WS_ROUTES.map((r) => r.entry),
      WS_AUTHORIZER_ENTRY,
      STREAM_ENTRY,
      REPORT_STREAM_ENTRY,
      HTTP_API_ENTRY,
      ...EVENT_RULES.map((r) => r.entry),
      ...SCHEDULE_TARGETS.map((t) => t.entry),
    ]),
  ].sort();
}

/** The handler file of an entry. */
export function entryFile(entry: string): string {
  return join(BUNDLE_ROOT, 'functions', 'handlers', `${entry}.ts`);
}
