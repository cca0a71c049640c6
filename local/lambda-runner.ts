/**
 * Runs the real Lambda handlers in process, the way the Lambda service would: each entry's module
 * is imported once on first use (a cold start, after the environment is set), the event is passed
 * as JSON (a fresh copy), and a context object carries the usual fields. Local stand-ins that invoke
 * Lambda functions (the scheduler, the event bus) address them by ARN.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Which function is running (the benchmark attributes AWS requests to functions with it). */
export const currentInvocation = new AsyncLocalStorage<string>();

export type Invoke = (entryOrArn: string, event: unknown) => Promise<unknown>;
type Handler = (event: unknown, context: unknown) => unknown;

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';
const ARN_PREFIX = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:parley-`;
const ENTRY = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The local ARN of an entry's function (what the CDK app would name `parley-<entry>`). */
export function localLambdaArn(entry: string): string {
  return `${ARN_PREFIX}${entry}`;
}

/** `ws-connect` or `arn:aws:lambda:local:000000000000:function:parley-ws-connect` → `ws-connect`. */
export function entryOf(entryOrArn: string): string {
  let entry = entryOrArn;
  if (entryOrArn.startsWith('arn:')) {
    if (!entryOrArn.startsWith(ARN_PREFIX)) throw new Error(`Not a local Parley function ARN: ${entryOrArn}`);
    entry = entryOrArn.slice(ARN_PREFIX.length);
  }
  if (!ENTRY.test(entry)) throw new Error(`Not a handler entry name: ${entryOrArn}`);
  return entry;
}

function lambdaContext(entry: string) {
  const functionName = `parley-${entry}`;
  const deadline = Date.now() + 30_000;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localLambdaArn(entry),
    memoryLimitInMB: '256',
    awsRequestId: randomBytes(16).toString('hex'),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

export interface LambdaRunnerOptions {
  /** Folder of the handler files, relative to `root` (tests point it at their fixtures). */
  handlersDir?: string;
}

/**
 * Returns `invoke(entryOrArn, event)`, which runs `<root>/<handlersDir>/<entry>.ts`'s `handler`.
 * A module that fails to load is retried on the next invocation, like a failed Lambda init.
 */
export function createLambdaRunner(
  root: string,
  /** Called as an invocation starts; a function it returns is called with the duration when it ends. */
  onInvoke?: (entry: string) => unknown,
  options: LambdaRunnerOptions = {},
): Invoke {
  const dir = join(root, options.handlersDir ?? join('functions', 'handlers'));
  const handlers = new Map<string, Promise<Handler>>();

  const load = (entry: string): Promise<Handler> => {
    let h = handlers.get(entry);
    if (!h) {
      h = import(pathToFileURL(join(dir, `${entry}.ts`)).href).then((m: { handler?: unknown }) => {
        if (typeof m.handler !== 'function') throw new Error(`${entry}.ts exports no handler function`);
        return m.handler as Handler;
      });
      h.catch(() => handlers.delete(entry));
      handlers.set(entry, h);
    }
    return h;
  };

  return async (entryOrArn, event) => {
    const entry = entryOf(entryOrArn);
    const ended = onInvoke?.(entry);
    const handler = await load(entry);
    const payload = event === undefined ? undefined : JSON.parse(JSON.stringify(event));
    // Timed from after the module is loaded: a warm invocation (the benchmark's Lambda duration).
    const started = performance.now();
    try {
      return await currentInvocation.run(entry, () => handler(payload, lambdaContext(entry)));
    } finally {
      if (typeof ended === 'function') (ended as (durationMs: number) => void)(performance.now() - started);
    }
  };
}

/** Timers a stand-in can cancel all at once when it stops (a cancelled sleep resolves false). */
export function createSleeper(): { sleep(ms: number): Promise<boolean>; cancelAll(): void } {
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: (ok: boolean) => void }>();
  let cancelled = false;
  return {
    sleep: (ms) =>
      new Promise<boolean>((resolve) => {
        if (cancelled) return resolve(false);
        const s = {
          resolve,
          timer: setTimeout(() => {
            sleepers.delete(s);
            resolve(true);
          }, ms).unref(),
        };
        sleepers.add(s);
      }),
    cancelAll() {
      cancelled = true;
      for (const s of sleepers) {
        clearTimeout(s.timer);
        s.resolve(false);
      }
      sleepers.clear();
    },
  };
}

export interface RetryPolicy {
  /** Attempts in all, the first included (Lambda's asynchronous invocation: 3). */
  attempts: number;
  /** Delay before the first retry; each further retry waits twice as long. */
  baseDelayMs: number;
}

/** Lambda retries an asynchronous invocation twice, after about 1 and 2 minutes; locally, faster. */
export const LOCAL_ASYNC_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200 };

/**
 * An asynchronous invocation (what EventBridge and Scheduler make): retried with exponential
 * backoff while the handler throws. Resolves true when an attempt succeeded, false when all failed
 * (the final failure is logged). `sleep` lets a stand-in cancel waiting retries when it stops.
 */
export async function invokeAsync(
  invoke: Invoke,
  target: string,
  event: unknown,
  options: { retry?: RetryPolicy; label: string; sleep?: (ms: number) => Promise<boolean> },
): Promise<boolean> {
  const retry = options.retry ?? LOCAL_ASYNC_RETRY;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms).unref()));
  for (let attempt = 1; ; attempt++) {
    try {
      await invoke(target, event);
      return true;
    } catch (err) {
      if (attempt >= retry.attempts) {
        console.error(`[${options.label}] ${target} failed after ${attempt} attempts`, err);
        return false;
      }
      if (!(await sleep(retry.baseDelayMs * 2 ** (attempt - 1)))) return false;
    }
  }
}
