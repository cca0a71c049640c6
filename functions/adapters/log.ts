/**
 * Structured JSON logs, one line per event, written straight to stdout/stderr (not through the
 * runtime's patched console, which would prefix a timestamp, request id and level), so every line
 * is pure JSON: Logs Insights discovers its fields and CloudWatch extracts EMF metrics from it.
 *
 * Each line carries the invocation's correlation fields (route, requestId, connectionId, siteId
 * and chatId, the correlation id of a chat), kept per invocation in AsyncLocalStorage: locally
 * many invocations run at once in one process, so a module-level variable would mix them up.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

type Fields = Record<string, unknown>;
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** What ties a line to a request and a chat. */
export interface Correlation {
  route?: string;
  /** The Lambda request id (awsRequestId). */
  requestId?: string;
  /** API Gateway's own request id, when there is one. */
  apiRequestId?: string;
  connectionId?: string;
  siteId?: string;
  /** The correlation id of everything that happens to one chat. */
  chatId?: string;
}

export interface Invocation {
  correlation: Correlation;
  startedAt: number;
}

const storage = new AsyncLocalStorage<Invocation>();

/** Runs `fn` as one invocation: every line written inside carries its correlation. */
export function withInvocation<T>(correlation: Correlation, fn: () => Promise<T>): Promise<T> {
  return storage.run({ correlation: { ...correlation }, startedAt: Date.now() }, fn);
}

export function currentInvocation(): Invocation | undefined {
  return storage.getStore();
}

/** Adds correlation learnt later (the chat a frame names, the chat a request created). */
export function correlate(fields: Correlation): void {
  const inv = storage.getStore();
  if (!inv) return;
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' && v) (inv.correlation as Record<string, string>)[k] = v;
  }
}

/**
 * Keys never written, whoever passes them: visitor message text, typing previews, e-mail
 * addresses and names are personal data and stay in the table, out of the logs.
 */
const PRIVATE_KEYS = new Set(['text', 'preview', 'email', 'name', 'visitorName']);

export type LineListener = (line: Fields) => void;
// On globalThis so that every copy of this module (tests import it beside the handlers) shares it.
const LISTENERS = Symbol.for('parley.log.listeners');
const shared = globalThis as Record<symbol, unknown>;
if (!shared[LISTENERS]) shared[LISTENERS] = new Set<LineListener>();
const listeners = shared[LISTENERS] as Set<LineListener>;

/** Every line written from now on (whatever PARLEY_LOG says) also goes to `listener`; returns the unsubscribe. */
export function onLogLine(listener: LineListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function enabled(level: Level): boolean {
  const setting = process.env.PARLEY_LOG;
  if (setting === 'silent') return false;
  if (level === 'debug') return setting === 'debug';
  // `warn`: problems only (a quiet terminal for `npm start`); summary lines and metrics are info.
  if (level === 'info') return setting !== 'warn';
  return true;
}

/** Writes one JSON line: correlation first, then the fields (private keys dropped). */
export function writeLine(level: Level, fields: Fields): void {
  const out = enabled(level);
  if (!out && listeners.size === 0) return;
  const line: Fields = { level, time: new Date().toISOString() };
  const inv = storage.getStore();
  if (inv) Object.assign(line, inv.correlation);
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && !PRIVATE_KEYS.has(k)) line[k] = v;
  for (const l of listeners) l(line);
  if (!out) return;
  const text = `${JSON.stringify(line)}\n`;
  if (level === 'error' || level === 'warn') process.stderr.write(text);
  else process.stdout.write(text);
}

export const log = {
  debug: (msg: string, fields?: Fields) => writeLine('debug', { msg, ...fields }),
  info: (msg: string, fields?: Fields) => writeLine('info', { msg, ...fields }),
  warn: (msg: string, fields?: Fields) => writeLine('warn', { msg, ...fields }),
  error: (msg: string, fields?: Fields) => writeLine('error', { msg, ...fields }),
};
