/**
 * A local EventBridge Scheduler: an HTTP server speaking enough of the Scheduler REST-JSON API
 * (CreateSchedule `POST /schedules/{Name}`, GetSchedule `GET`, DeleteSchedule `DELETE`, group in the
 * body or `?groupName=`) that the unchanged SchedulerClient works against it, with the service's
 * error names (ConflictException 409, ResourceNotFoundException 404, ValidationException 400).
 *
 * One-time `at(...)` schedules in UTC are supported; when one comes due its target is invoked once
 * (asynchronously, retried like Lambda's asynchronous invocation) with `JSON.parse(Input)`, and the
 * schedule is deleted when ActionAfterCompletion is DELETE. A time in the past fires at once. The
 * service fires within a minute of the time; this one fires on the second.
 *
 * Time comes from `now` plus whatever `advance` added, so tests fire schedules without waiting:
 * `fireDue(t)` runs everything due at `t`, `advance(ms)` moves the clock and does the same.
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

export interface LocalSchedulerOptions {
  /** Runs a target (a Lambda ARN) with the schedule's input. */
  invoke: Invoke;
  /** The clock schedules are measured against (default Date.now). */
  now?: () => number;
  port?: number;
  retry?: RetryPolicy;
}

export interface PendingSchedule {
  name: string;
  group: string;
  at: Date;
  /** The target's ARN. */
  target: string;
}

export interface LocalScheduler {
  endpoint: string;
  /** The scheduler's clock: `now()` plus everything `advance` added. */
  now(): number;
  /** Enabled schedules that have not run yet, soonest first. */
  pending(): PendingSchedule[];
  /** Runs every schedule due at `nowMs` (default: the clock) and resolves when their targets have run. */
  fireDue(nowMs?: number): Promise<string[]>;
  /** Moves the clock forward by `ms`, then `fireDue()`. */
  advance(ms: number): Promise<string[]>;
  /** Resolves when no invocation is in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Schedule {
  name: string;
  group: string;
  arn: string;
  expression: string;
  timezone: string;
  at: number;
  target: { Arn: string; RoleArn: string; Input?: string } & Record<string, unknown>;
  flexibleTimeWindow: Record<string, unknown>;
  actionAfterCompletion: string;
  state: string;
  description?: string;
  clientToken?: string;
  created: number;
  done: boolean;
  timer?: NodeJS.Timeout;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const NAME = /^[0-9A-Za-z_.-]{1,64}$/;
const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const MAX_BODY = 1024 * 1024;
const MAX_TIMER = 2 ** 31 - 1;

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
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const seconds = (ms: number) => ms / 1000;

export async function startLocalScheduler(options: LocalSchedulerOptions): Promise<LocalScheduler> {
  const schedules = new Map<string, Schedule>();
  const inFlight = new Set<Promise<unknown>>();
  const { sleep, cancelAll } = createSleeper();
  let skew = 0;
  let stopped = false;
  const clock = () => (options.now ?? Date.now)() + skew;
  const key = (group: string, name: string) => `${group}/${name}`;

  const arm = (s: Schedule) => {
    clearTimeout(s.timer);
    if (stopped || s.done || s.state !== 'ENABLED') return;
    const delay = Math.min(MAX_TIMER, Math.max(0, s.at - clock()));
    s.timer = setTimeout(() => {
      if (clock() >= s.at) void fireDue();
      else arm(s);
    }, delay).unref();
  };

  const run = (s: Schedule): Promise<unknown> => {
    let event: unknown = {};
    if (s.target.Input !== undefined) {
      try {
        event = JSON.parse(s.target.Input);
      } catch {
        console.error(`[scheduler] ${s.group}/${s.name}: Input is not JSON; the Lambda target cannot be invoked`);
        return Promise.resolve();
      }
    }
    const p = invokeAsync(options.invoke, s.target.Arn, event, {
      label: `scheduler ${s.group}/${s.name}`,
      sleep,
      ...(options.retry ? { retry: options.retry } : {}),
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  async function fireDue(nowMs = clock()): Promise<string[]> {
    const due = [...schedules.values()]
      .filter((s) => !s.done && s.state === 'ENABLED' && s.at <= nowMs)
      .sort((a, b) => a.at - b.at);
    for (const s of due) {
      // Marked before the invocation starts: a schedule runs once however often fireDue is called.
      s.done = true;
      clearTimeout(s.timer);
      if (s.actionAfterCompletion === 'DELETE') schedules.delete(key(s.group, s.name));
    }
    await Promise.all(due.map(run));
    return due.map((s) => s.name);
  }

  function create(name: string, body: Record<string, unknown>) {
    if (!NAME.test(name)) throw new ApiError(400, 'ValidationException', `Invalid schedule name ${name}`);
    const group = str(body.GroupName) ?? 'default';
    const expression = str(body.ScheduleExpression);
    const match = expression && AT.exec(expression);
    if (!match) {
      throw new ApiError(400, 'ValidationException', 'Only one-time at(yyyy-mm-ddThh:mm:ss) schedules run locally');
    }
    const timezone = str(body.ScheduleExpressionTimezone) ?? 'UTC';
    if (timezone !== 'UTC' && timezone !== 'Etc/UTC') {
      throw new ApiError(400, 'ValidationException', 'Only the UTC time zone is supported locally');
    }
    const at = Date.parse(`${match[1]}Z`);
    if (!Number.isFinite(at)) throw new ApiError(400, 'ValidationException', `Invalid date in ${expression}`);
    const target = body.Target as Schedule['target'] | undefined;
    if (!target || !str(target.Arn) || !str(target.RoleArn)) {
      throw new ApiError(400, 'ValidationException', 'Target.Arn and Target.RoleArn are required');
    }
    if (target.Input !== undefined && typeof target.Input !== 'string') {
      throw new ApiError(400, 'ValidationException', 'Target.Input must be a string');
    }
    const window = body.FlexibleTimeWindow as { Mode?: unknown } | undefined;
    if (window?.Mode !== 'OFF' && window?.Mode !== 'FLEXIBLE') {
      throw new ApiError(400, 'ValidationException', 'FlexibleTimeWindow.Mode must be OFF or FLEXIBLE');
    }
    const clientToken = str(body.ClientToken);
    const existing = schedules.get(key(group, name));
    if (existing) {
      // The SDK sends one ClientToken for all attempts of a call: a retried create is not a conflict.
      if (clientToken && existing.clientToken === clientToken) return { ScheduleArn: existing.arn };
      throw new ApiError(409, 'ConflictException', `Schedule ${name} already exists.`);
    }
    const s: Schedule = {
      name,
      group,
      arn: `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/${group}/${name}`,
      expression: expression as string,
      timezone,
      at,
      target,
      flexibleTimeWindow: window as Record<string, unknown>,
      actionAfterCompletion: str(body.ActionAfterCompletion) ?? 'NONE',
      state: str(body.State) ?? 'ENABLED',
      ...(str(body.Description) ? { description: body.Description as string } : {}),
      ...(clientToken ? { clientToken } : {}),
      created: clock(),
      done: false,
    };
    schedules.set(key(group, name), s);
    arm(s);
    return { ScheduleArn: s.arn };
  }

  function get(group: string, name: string) {
    const s = schedules.get(key(group, name));
    if (!s) throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return {
      Arn: s.arn,
      GroupName: s.group,
      Name: s.name,
      ScheduleExpression: s.expression,
      ScheduleExpressionTimezone: s.timezone,
      State: s.state,
      ...(s.description ? { Description: s.description } : {}),
      CreationDate: seconds(s.created),
      LastModificationDate: seconds(s.created),
      Target: s.target,
      FlexibleTimeWindow: s.flexibleTimeWindow,
      ActionAfterCompletion: s.actionAfterCompletion,
    };
  }

  function remove(group: string, name: string) {
    const s = schedules.get(key(group, name));
    if (!s) throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    clearTimeout(s.timer);
    schedules.delete(key(group, name));
    return {};
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const path = /^\/schedules\/([^/]+)$/.exec(url.pathname);
      if (!path) throw new ApiError(404, 'UnknownOperationException', `No operation at ${req.method} ${url.pathname}`);
      const name = decodeURIComponent(path[1]!);
      const group = url.searchParams.get('groupName') || 'default';
      const text = await readBody(req);
      if (req.method === 'POST') {
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          throw new ApiError(400, 'ValidationException', 'Body is not JSON');
        }
        if (typeof body !== 'object' || body === null) throw new ApiError(400, 'ValidationException', 'Bad body');
        send(res, 200, create(name, body as Record<string, unknown>));
      } else if (req.method === 'GET') send(res, 200, get(group, name));
      else if (req.method === 'DELETE') send(res, 200, remove(group, name));
      else throw new ApiError(405, 'UnknownOperationException', `No operation at ${req.method} ${url.pathname}`);
    } catch (err) {
      if (res.headersSent) return;
      if (err instanceof ApiError) send(res, err.status, { Message: err.message }, err.type);
      else {
        console.error('[scheduler] request failed', err);
        send(res, 500, { Message: 'Internal error' }, 'InternalServerException');
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
    now: clock,
    pending: () =>
      [...schedules.values()]
        .filter((s) => !s.done && s.state === 'ENABLED')
        .sort((a, b) => a.at - b.at)
        .map((s) => ({ name: s.name, group: s.group, at: new Date(s.at), target: s.target.Arn })),
    fireDue,
    advance(ms: number) {
      skew += ms;
      return fireDue();
    },
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      stopped = true;
      for (const s of schedules.values()) clearTimeout(s.timer);
      cancelAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
