/**
 * A local EventBridge event bus: an HTTP server speaking the EventBridge JSON 1.1 API for PutEvents
 * (`X-Amz-Target: AWSEvents.PutEvents`), so the unchanged EventBridgeClient works against it. Entries
 * are validated the way the service does (per-entry ErrorCode, FailedEntryCount); each accepted event
 * is delivered after the response, in the EventBridge envelope, to every rule whose detail-type (and
 * source, when the rule names one) matches. A failing target is retried with backoff like an
 * asynchronous Lambda invocation; the final failure is logged.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createSleeper,
  type Invoke,
  invokeAsync,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type RetryPolicy,
} from './lambda-runner.js';

export interface EventRule {
  detailType: string;
  /** Only events of this source (any source when absent). */
  source?: string;
  /** A Lambda ARN or handler entry, passed to `invoke`. */
  target: string;
}

export interface LocalEventBusOptions {
  rules: EventRule[];
  invoke: Invoke;
  port?: number;
  retry?: RetryPolicy;
  now?: () => number;
}

export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface LocalEventBus {
  endpoint: string;
  /** Every event the bus accepted, in order (with its bus name). */
  published(): (EventEnvelope & { bus: string })[];
  /** Resolves when no delivery (or retry) is in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Entry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  EventBusName?: unknown;
  Time?: unknown;
}

const MAX_BODY = 1024 * 1024;
/** PutEvents refuses a request whose entries add up to more than 256 KB. */
const MAX_ENTRIES_SIZE = 256 * 1024;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'ValidationException', 'Request too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(errorType ? { __type: errorType, ...(body as object) } : body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** The size PutEvents counts for an entry (UTF-8 bytes of its fields, 14 for a Time). */
function entrySize(e: Entry): number {
  let size = e.Time !== undefined ? 14 : 0;
  for (const v of [e.Source, e.DetailType, e.Detail]) if (typeof v === 'string') size += Buffer.byteLength(v);
  if (Array.isArray(e.Resources)) for (const r of e.Resources) if (typeof r === 'string') size += Buffer.byteLength(r);
  return size;
}

/** Checks one entry; answers the parsed detail or the service's per-entry error. */
function check(e: Entry): { detail: Record<string, unknown> } | { ErrorCode: string; ErrorMessage: string } {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (!isText(e[field])) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  try {
    const detail = JSON.parse(e.Detail as string) as unknown;
    if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) {
      return { detail: detail as Record<string, unknown> };
    }
  } catch {
    // falls through
  }
  return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
}

export async function startLocalEventBus(options: LocalEventBusOptions): Promise<LocalEventBus> {
  const clock = options.now ?? Date.now;
  const published: (EventEnvelope & { bus: string })[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const { sleep, cancelAll } = createSleeper();
  let stopped = false;

  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const deliver = (event: EventEnvelope) => {
    for (const rule of options.rules) {
      if (rule.detailType !== event['detail-type']) continue;
      if (rule.source !== undefined && rule.source !== event.source) continue;
      const p = invokeAsync(options.invoke, rule.target, event, {
        label: `event-bus ${event['detail-type']} → ${rule.target}`,
        sleep,
        ...(options.retry ? { retry: options.retry } : {}),
      });
      track(p);
    }
  };

  function putEvents(body: { Entries?: unknown }) {
    const entries = body.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
      throw new ApiError(400, 'ValidationException', 'Entries must hold 1 to 10 entries');
    }
    if ((entries as Entry[]).reduce((n, e) => n + entrySize(e), 0) > MAX_ENTRIES_SIZE) {
      throw new ApiError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const accepted: EventEnvelope[] = [];
    const results = (entries as Entry[]).map((e) => {
      const checked = check(e);
      if (!('detail' in checked)) return checked;
      const at = typeof e.Time === 'number' ? e.Time * 1000 : clock();
      const event: EventEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': e.DetailType as string,
        source: e.Source as string,
        account: LOCAL_ACCOUNT,
        time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: LOCAL_REGION,
        resources: Array.isArray(e.Resources) ? e.Resources.filter((r): r is string => typeof r === 'string') : [],
        detail: checked.detail,
      };
      published.push({ ...event, bus: isText(e.EventBusName) ? e.EventBusName : 'default' });
      accepted.push(event);
      return { EventId: event.id };
    });
    return {
      response: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results },
      accepted,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const text = await readBody(req);
      if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        throw new ApiError(
          400,
          'UnknownOperationException',
          `Operation ${target || '(none)'} is not supported locally`,
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError(400, 'SerializationException', 'Body is not JSON');
      }
      if (typeof body !== 'object' || body === null) throw new ApiError(400, 'SerializationException', 'Bad body');
      const { response, accepted } = putEvents(body as { Entries?: unknown });
      send(res, 200, response);
      // Delivered after the answer, as EventBridge does: the publisher never waits for the targets.
      track(
        new Promise<void>((resolve) =>
          setImmediate(() => {
            if (!stopped) for (const event of accepted) deliver(event);
            resolve();
          }),
        ),
      );
    } catch (err) {
      if (res.headersSent) return;
      if (err instanceof ApiError) send(res, err.status, { message: err.message }, err.type);
      else {
        console.error('[event-bus] request failed', err);
        send(res, 500, { message: 'Internal error' }, 'InternalException');
      }
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    published: () => [...published],
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      stopped = true;
      cancelAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
