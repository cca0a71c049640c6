/**
 * The scheduler and event-bus adapters against the local stand-ins, over real HTTP with the
 * unchanged AWS SDK clients, invoking a test-only Lambda target through the local Lambda runner.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventPublisher, OneTimeScheduler } from '../../functions/core/async-ports.js';
import { type LocalEventBus, startLocalEventBus } from '../../local/event-bus.js';
import { createLambdaRunner, entryOf, localLambdaArn } from '../../local/lambda-runner.js';
import { type LocalScheduler, startLocalScheduler } from '../../local/scheduler.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const HANDLERS = join('test', 'fixtures', 'handlers');
const TARGET_ARN = localLambdaArn('echo-target');
const GROUP = 'parley-local';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let scheduler: LocalScheduler;
let bus: LocalEventBus;
let schedules: OneTimeScheduler;
let events: EventPublisher;
let received: unknown[];
let scheduleName: (logical: string) => string;
const invocations: { target: string; event: unknown }[] = [];

beforeAll(async () => {
  const run = createLambdaRunner(ROOT, undefined, { handlersDir: HANDLERS });
  const invoke = (target: string, event: unknown) => {
    invocations.push({ target, event });
    return run(target, event);
  };
  const retry = { attempts: 3, baseDelayMs: 20 };
  scheduler = await startLocalScheduler({ invoke, retry });
  bus = await startLocalEventBus({
    invoke,
    retry,
    rules: [
      { detailType: 'visitor.idle', target: TARGET_ARN },
      { detailType: 'chat.ended', source: 'someone-else', target: TARGET_ARN },
    ],
  });
  // What local/stack.ts sets for the functions; the adapters and SDK clients read it on first use.
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
    SCHEDULER_GROUP_NAME: GROUP,
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/parley-scheduler',
    SCHEDULER_TARGETS: JSON.stringify({ echo: TARGET_ARN }),
    EVENT_BUS_NAME: 'parley-local',
    PARLEY_LOG: 'silent',
  });
  const adapter = await import('../../functions/adapters/scheduler.js');
  scheduleName = adapter.scheduleName;
  const { createEventPublisher } = await import('../../functions/adapters/event-bus.js');
  schedules = adapter.createOneTimeScheduler();
  events = createEventPublisher();
  // The very module instance the runner loaded (same URL), so its record is the one it writes.
  const fixture = await import(pathToFileURL(join(ROOT, HANDLERS, 'echo-target.ts')).href);
  received = fixture.received;
});

afterAll(async () => {
  await Promise.all([scheduler?.stop(), bus?.stop()]);
});

beforeEach(async () => {
  await Promise.all([scheduler.idle(), bus.idle()]);
  received.length = 0;
  invocations.length = 0;
});

/** A whole second `m` minutes ahead on the scheduler's clock (which `advance` moves). */
const inMinutes = (m: number) => new Date(Math.ceil((scheduler.now() + m * 60_000) / 1000) * 1000);

describe('local scheduler with the real scheduler adapter', () => {
  it('fires the target once, with the payload, when its time comes, then deletes the schedule', async () => {
    const at = inMinutes(10);
    const name = 'invite:visitor#1:rule/1';
    expect(await schedules.scheduleOnce({ name, at, target: 'echo', payload: { visitorId: 'v1', n: 1 } })).toBe(
      'created',
    );
    expect(scheduler.pending()).toEqual([{ name: scheduleName(name), group: GROUP, at, target: TARGET_ARN }]);

    expect(await scheduler.fireDue(at.getTime() - 1000)).toEqual([]);
    expect(received).toEqual([]);

    expect(await scheduler.fireDue(at.getTime())).toHaveLength(1);
    expect(received).toEqual([{ visitorId: 'v1', n: 1 }]);

    await scheduler.fireDue(at.getTime() + 3_600_000);
    expect(received).toHaveLength(1);
    expect(scheduler.pending()).toEqual([]);
    const client = new SchedulerClient({ endpoint: scheduler.endpoint, region: 'local', credentials });
    const gone = await client
      .send(new GetScheduleCommand({ Name: scheduleName(name), GroupName: GROUP }))
      .catch((e: Error) => e);
    expect((gone as Error).name).toBe('ResourceNotFoundException');
    client.destroy();
  });

  it("answers 'exists' to a second create of the same name, and the schedule still fires once", async () => {
    const name = 'invite:visitor#2:rule/1';
    const first = { name, at: inMinutes(5), target: 'echo', payload: { visitorId: 'v2', which: 'first' } };
    expect(await schedules.scheduleOnce(first)).toBe('created');
    expect(
      await schedules.scheduleOnce({ ...first, at: inMinutes(6), payload: { visitorId: 'v2', which: 'second' } }),
    ).toBe('exists');
    expect(scheduler.pending()).toHaveLength(1);

    await scheduler.advance(7 * 60_000);
    await scheduler.advance(60 * 60_000);
    expect(received).toEqual([{ visitorId: 'v2', which: 'first' }]);
  });

  it('stores what GetSchedule reads back, as the service would', async () => {
    const name = 'get-me';
    const at = inMinutes(20);
    await schedules.scheduleOnce({ name, at, target: 'echo', payload: { a: 1 } });
    const client = new SchedulerClient({ endpoint: scheduler.endpoint, region: 'local', credentials });
    const got = await client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));
    expect(got).toMatchObject({
      Name: name,
      GroupName: GROUP,
      State: 'ENABLED',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: TARGET_ARN, Input: '{"a":1}' },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    const other = await client.send(new GetScheduleCommand({ Name: name })).catch((e: Error) => e);
    expect((other as Error).name).toBe('ResourceNotFoundException');
    client.destroy();
    await schedules.cancel(name);
  });

  it('never fires a cancelled schedule, and cancelling twice is fine', async () => {
    const name = 'invite:visitor#3:rule/1';
    await schedules.scheduleOnce({ name, at: inMinutes(1), target: 'echo', payload: { visitorId: 'v3' } });
    await schedules.cancel(name);
    await schedules.cancel(name);
    expect(scheduler.pending()).toEqual([]);
    await scheduler.advance(2 * 3_600_000);
    expect(received).toEqual([]);
    expect(await schedules.scheduleOnce({ name, at: inMinutes(1), target: 'echo', payload: {} })).toBe('created');
    await schedules.cancel(name);
  });

  it('fires on the real clock too (about a second ahead)', async () => {
    const at = new Date(scheduler.now() + 1000);
    await schedules.scheduleOnce({ name: 'real-time', at, target: 'echo', payload: { real: true } });
    await vi.waitFor(() => expect(received).toEqual([{ real: true }]), { timeout: 4000, interval: 25 });
    expect(scheduler.now()).toBeGreaterThanOrEqual(at.getTime());
    await scheduler.idle();
    expect(received).toHaveLength(1);
  });

  it('retries a target that fails, until it succeeds', async () => {
    await schedules.scheduleOnce({
      name: 'flaky-schedule',
      at: inMinutes(1),
      target: 'echo',
      payload: { key: 'sched-flaky', failTimes: 2 },
    });
    await scheduler.advance(2 * 60_000);
    expect(invocations.filter((i) => (i.event as { key?: string }).key === 'sched-flaky')).toHaveLength(3);
    expect(received).toEqual([{ key: 'sched-flaky', failTimes: 2 }]);
  });
});

describe('local event bus with the real event-bus adapter', () => {
  it('delivers a published event to its rule target in the EventBridge envelope', async () => {
    await events.publish('visitor.idle', { visitorId: 'v9', seconds: 30 });
    await bus.idle();
    expect(received).toHaveLength(1);
    const event = received[0] as Record<string, unknown>;
    expect(event).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'visitor.idle',
      source: 'parley',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'local',
      resources: [],
      detail: { visitorId: 'v9', seconds: 30 },
    });
    expect(bus.published().at(-1)).toMatchObject({ id: event.id, bus: 'parley-local' });
  });

  it('delivers only to rules that match the detail type and source', async () => {
    await events.publish('nobody.listens', { a: 1 });
    await events.publish('chat.ended', { chatId: 'c1' }); // the rule wants another source
    await bus.idle();
    expect(received).toEqual([]);
    expect(invocations).toEqual([]);
  });

  it('retries a target that fails twice, then succeeds, delivering it once', async () => {
    await events.publish('visitor.idle', { key: 'bus-flaky', failTimes: 2 });
    await bus.idle();
    const attempts = invocations.filter((i) => (i.event as { detail: { key?: string } }).detail.key === 'bus-flaky');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => (a.event as { id: string }).id)).size).toBe(1);
    expect(received).toHaveLength(1);
  });

  it('gives up after the last attempt and logs the failure', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await events.publish('visitor.idle', { key: 'bus-broken', failTimes: 99 });
      await bus.idle();
      expect(invocations).toHaveLength(3);
      expect(received).toEqual([]);
      expect(errors).toHaveBeenCalledWith(expect.stringMatching(/failed after 3 attempts/), expect.any(Error));
    } finally {
      errors.mockRestore();
    }
  });

  it('rejects malformed entries per entry, as PutEvents does', async () => {
    const client = new EventBridgeClient({ endpoint: bus.endpoint, region: 'local', credentials });
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'parley', DetailType: 'visitor.idle', Detail: 'not json' },
          { Source: 'parley', DetailType: 'visitor.idle', Detail: '{"ok":true}' },
          { DetailType: 'visitor.idle', Detail: '{}' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['MalformedDetail', 'ok', 'InvalidArgument']);
    const tooMany = await client.send(new PutEventsCommand({ Entries: [] })).catch((e: Error) => e);
    expect((tooMany as Error).name).toBe('ValidationException');
    client.destroy();
    await bus.idle();
    expect(received).toEqual([expect.objectContaining({ detail: { ok: true } })]);
  });
});

describe('local Lambda runner', () => {
  it('maps local function ARNs to handler entries and refuses anything else', () => {
    expect(entryOf(localLambdaArn('auto-invite'))).toBe('auto-invite');
    expect(entryOf('arn:aws:lambda:local:000000000000:function:parley-ws-connect')).toBe('ws-connect');
    expect(entryOf('echo-target')).toBe('echo-target');
    expect(() => entryOf('arn:aws:lambda:eu-west-1:123456789012:function:parley-x')).toThrow(/Not a local/);
    expect(() => entryOf('../../etc/passwd')).toThrow(/Not a handler entry/);
    expect(() => entryOf(localLambdaArn('a/../b'))).toThrow(/Not a handler entry/);
  });

  it('imports a handler once (a cold start), passes a copy of the event and a context', async () => {
    const seen: string[] = [];
    const run = createLambdaRunner(ROOT, (entry) => seen.push(entry), { handlersDir: HANDLERS });
    const event = { n: 1, nested: { a: [1, 2] } };
    await run(TARGET_ARN, event);
    await run('echo-target', event);
    expect(seen).toEqual(['echo-target', 'echo-target']);
    expect(received).toEqual([event, event]);
    expect(received[0]).not.toBe(event);
    await expect(run('no-such-handler', {})).rejects.toThrow();
  });
});
