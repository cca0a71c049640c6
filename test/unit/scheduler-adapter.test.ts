/** The EventBridge Scheduler adapter, with the Scheduler client mocked. */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  atExpression,
  createOneTimeScheduler,
  ScheduleError,
  type SchedulerConfig,
  scheduleName,
  schedulerConfigFromEnv,
} from '../../functions/adapters/scheduler.js';

const scheduler = mockClient(SchedulerClient);
afterEach(() => scheduler.reset());

const cfg: SchedulerConfig = {
  groupName: 'parley-invites',
  roleArn: 'arn:aws:iam::123456789012:role/parley-scheduler',
  targets: { 'auto-invite': 'arn:aws:lambda:eu-west-1:123456789012:function:parley-auto-invite' },
};
const VALID = /^[0-9A-Za-z_.-]{1,64}$/;

describe('scheduler adapter', () => {
  it('creates a one-time UTC schedule that deletes itself and invokes the mapped target with the payload', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:x' });
    const result = await createOneTimeScheduler(cfg).scheduleOnce({
      name: 'invite.v1.r1',
      at: new Date('2030-03-04T05:06:07.000Z'),
      target: 'auto-invite',
      payload: { visitorId: 'v1', ruleId: 'r1' },
    });
    expect(result).toBe('created');
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Name: 'invite.v1.r1',
      GroupName: 'parley-invites',
      ScheduleExpression: 'at(2030-03-04T05:06:07)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: cfg.targets['auto-invite'],
        RoleArn: cfg.roleArn,
        Input: JSON.stringify({ visitorId: 'v1', ruleId: 'r1' }),
      },
    });
  });

  it('formats the time in UTC and rounds a fractional second up, never down', () => {
    expect(atExpression(new Date('2030-12-31T23:59:59.000Z'))).toBe('at(2030-12-31T23:59:59)');
    expect(atExpression(new Date('2030-12-31T23:59:59.001Z'))).toBe('at(2031-01-01T00:00:00)');
    expect(atExpression(new Date(Date.UTC(2030, 0, 2, 3, 4, 5)))).toBe('at(2030-01-02T03:04:05)');
    expect(() => atExpression(new Date(Number.NaN))).toThrow(ScheduleError);
  });

  it('keeps valid names and maps any other name to a valid, deterministic, distinct one', () => {
    expect(scheduleName('invite_v1.r-1')).toBe('invite_v1.r-1');
    const odd = ['invite:visitor#1:rule/2', 'invite:visitor#1:rule/3', `x${'y'.repeat(80)}`, '', 'zażółć gęślą jaźń'];
    const mapped = odd.map(scheduleName);
    for (const n of mapped) expect(n).toMatch(VALID);
    expect(odd.map(scheduleName)).toEqual(mapped);
    expect(new Set(mapped).size).toBe(odd.length);
    // Sanitizing alone would make these two equal; the hash of the original keeps them apart.
    expect(scheduleName('a:b')).not.toBe(scheduleName('a;b'));
    expect(scheduleName('invite:visitor#1:rule/2').startsWith('invite-visitor-1-rule-2-')).toBe(true);
  });

  it('sends the mapped name, so the same logical name always addresses the same schedule', async () => {
    scheduler.on(CreateScheduleCommand).resolves({}).on(DeleteScheduleCommand).resolves({});
    const s = createOneTimeScheduler(cfg);
    const name = 'invite:visitor#1:rule/2';
    await s.scheduleOnce({ name, at: new Date('2030-01-01T00:00:00Z'), target: 'auto-invite', payload: {} });
    await s.cancel(name);
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Name).toBe(scheduleName(name));
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]!.args[0].input).toEqual({
      Name: scheduleName(name),
      GroupName: 'parley-invites',
    });
  });

  it("answers 'exists' when the schedule already exists (ConflictException, by name)", async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const result = await createOneTimeScheduler(cfg).scheduleOnce({
      name: 'n',
      at: new Date('2030-01-01T00:00:00Z'),
      target: 'auto-invite',
      payload: null,
    });
    expect(result).toBe('exists');
  });

  it('wraps any other failure in ScheduleError with the cause', async () => {
    const cause = new ValidationException({ message: 'bad', Message: 'bad', $metadata: {} });
    scheduler.on(CreateScheduleCommand).rejects(cause);
    const err = await createOneTimeScheduler(cfg)
      .scheduleOnce({ name: 'n', at: new Date('2030-01-01T00:00:00Z'), target: 'auto-invite', payload: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScheduleError);
    expect((err as ScheduleError).cause).toBe(cause);
  });

  it('refuses an unknown target without calling the service', async () => {
    await expect(
      createOneTimeScheduler(cfg).scheduleOnce({ name: 'n', at: new Date(), target: 'nope', payload: {} }),
    ).rejects.toThrow(/Unknown schedule target nope/);
    await expect(
      createOneTimeScheduler(cfg).scheduleOnce({ name: 'n', at: new Date(), target: 'toString', payload: {} }),
    ).rejects.toThrow(ScheduleError);
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('treats cancelling a missing schedule as done, and other delete failures as errors', async () => {
    scheduler
      .on(DeleteScheduleCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    await expect(createOneTimeScheduler(cfg).cancel('n')).resolves.toBeUndefined();
    scheduler.on(DeleteScheduleCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(createOneTimeScheduler(cfg).cancel('n')).rejects.toThrow(ScheduleError);
  });

  it('reads its configuration from the environment and fails fast when it is missing or malformed', () => {
    const env = {
      SCHEDULER_GROUP_NAME: 'g',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/r',
      SCHEDULER_TARGETS: '{"auto-invite":"arn:aws:lambda:local:000000000000:function:parley-auto-invite"}',
    };
    expect(schedulerConfigFromEnv(env)).toEqual({
      groupName: 'g',
      roleArn: 'arn:aws:iam::1:role/r',
      targets: { 'auto-invite': 'arn:aws:lambda:local:000000000000:function:parley-auto-invite' },
    });
    expect(() => schedulerConfigFromEnv({ ...env, SCHEDULER_TARGETS: '' })).toThrow(/SCHEDULER_TARGETS/);
    expect(() => schedulerConfigFromEnv({ ...env, SCHEDULER_ROLE_ARN: undefined })).toThrow(/SCHEDULER_ROLE_ARN/);
    expect(() => schedulerConfigFromEnv({ ...env, SCHEDULER_TARGETS: '{oops' })).toThrow(/not valid JSON/);
    expect(() => schedulerConfigFromEnv({ ...env, SCHEDULER_TARGETS: '["arn:x"]' })).toThrow(/JSON object/);
    expect(() => schedulerConfigFromEnv({ ...env, SCHEDULER_TARGETS: '{"a":"b"}' })).toThrow(/JSON object/);
  });

  it('without explicit configuration, fails on first use when the environment lacks it', async () => {
    const saved = process.env.SCHEDULER_TARGETS;
    delete process.env.SCHEDULER_TARGETS;
    try {
      await expect(
        createOneTimeScheduler().scheduleOnce({ name: 'n', at: new Date(), target: 'auto-invite', payload: {} }),
      ).rejects.toThrow(/Missing required environment variable SCHEDULER_/);
    } finally {
      if (saved !== undefined) process.env.SCHEDULER_TARGETS = saved;
    }
  });
});
