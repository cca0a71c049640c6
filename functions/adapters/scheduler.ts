/**
 * One-time schedules on EventBridge Scheduler: `at(...)` in UTC, no flexible window, deleted by the
 * service after they run. A logical schedule name maps deterministically to a valid schedule name,
 * so creating the same logical name twice hits ConflictException, answered as 'exists'.
 */
import { createHash } from 'node:crypto';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { OneTimeScheduler, ScheduleOnceInput } from '../core/async-ports.js';
import { log } from './log.js';

/** Any failure of the scheduler other than "already exists" / "already gone". */
export class ScheduleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

let client: SchedulerClient | undefined;

/** The one Scheduler client of a Lambda instance, created on first use. */
export function schedulerClient(): SchedulerClient {
  client ??= new SchedulerClient({});
  return client;
}

/** For tests: use this client instead (undefined goes back to the default). */
export function setSchedulerClient(next: SchedulerClient | undefined): void {
  client = next;
}

export interface SchedulerConfig {
  /** The schedule group every schedule is created in. */
  groupName: string;
  /** The role EventBridge Scheduler assumes to invoke the targets. */
  roleArn: string;
  /** Logical target name → Lambda function ARN. */
  targets: Readonly<Record<string, string>>;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Missing required environment variable ${name}`);
  return value;
}

/** Reads SCHEDULER_GROUP_NAME, SCHEDULER_ROLE_ARN and SCHEDULER_TARGETS (a JSON object of name → ARN). */
export function schedulerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SchedulerConfig {
  const groupName = required(env, 'SCHEDULER_GROUP_NAME');
  const roleArn = required(env, 'SCHEDULER_ROLE_ARN');
  const raw = required(env, 'SCHEDULER_TARGETS');
  let targets: unknown;
  try {
    targets = JSON.parse(raw);
  } catch (err) {
    throw new Error('SCHEDULER_TARGETS is not valid JSON', { cause: err });
  }
  if (
    typeof targets !== 'object' ||
    targets === null ||
    Array.isArray(targets) ||
    !Object.values(targets).every((arn) => typeof arn === 'string' && arn.startsWith('arn:'))
  ) {
    throw new Error('SCHEDULER_TARGETS must be a JSON object of target name → ARN');
  }
  return { groupName, roleArn, targets: Object.freeze({ ...(targets as Record<string, string>) }) };
}

let cachedConfig: SchedulerConfig | undefined;

function envConfig(): SchedulerConfig {
  cachedConfig ??= schedulerConfigFromEnv();
  return cachedConfig;
}

const VALID_NAME = /^[0-9A-Za-z_.-]{1,64}$/;
const HASH_CHARS = 24;

/**
 * The schedule name for a logical name. Names the service accepts (1–64 of `[0-9A-Za-z-_.]`) are
 * used as they are; any other becomes a readable sanitized prefix plus a sha256 prefix of the
 * original, so the mapping is deterministic and two different logical names do not share a schedule.
 */
export function scheduleName(logical: string): string {
  if (VALID_NAME.test(logical)) return logical;
  const digest = createHash('sha256').update(logical, 'utf8').digest('hex').slice(0, HASH_CHARS);
  const prefix = logical.replace(/[^0-9A-Za-z_.-]+/g, '-').slice(0, 64 - HASH_CHARS - 1);
  return prefix ? `${prefix}-${digest}` : digest;
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC. The service has whole-second resolution; a fractional second is
 * rounded up so a schedule never runs before the time it was asked for.
 */
export function atExpression(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new ScheduleError('Invalid schedule time');
  return `at(${new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/** The scheduler adapter; `cfg` defaults to the environment, read once on first use. */
export function createOneTimeScheduler(cfg?: SchedulerConfig): OneTimeScheduler {
  const conf = () => cfg ?? envConfig();
  return {
    async scheduleOnce({ name, at, target, payload }: ScheduleOnceInput) {
      const { groupName, roleArn, targets } = conf();
      const arn = Object.hasOwn(targets, target) ? targets[target] : undefined;
      if (!arn) throw new ScheduleError(`Unknown schedule target ${target}`);
      const Name = scheduleName(name);
      try {
        await schedulerClient().send(
          new CreateScheduleCommand({
            Name,
            GroupName: groupName,
            Description: name.slice(0, 512),
            ScheduleExpression: atExpression(at),
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Target: { Arn: arn, RoleArn: roleArn, Input: JSON.stringify(payload ?? null) },
          }),
        );
        log.debug('schedule created', { schedule: Name, target, at: at.toISOString() });
        return 'created';
      } catch (err) {
        if ((err as Error).name === 'ConflictException') return 'exists';
        if (err instanceof ScheduleError) throw err;
        throw new ScheduleError(`Could not create schedule ${Name}`, { cause: err });
      }
    },

    async cancel(name: string) {
      const { groupName } = conf();
      const Name = scheduleName(name);
      try {
        await schedulerClient().send(new DeleteScheduleCommand({ Name, GroupName: groupName }));
      } catch (err) {
        if ((err as Error).name === 'ResourceNotFoundException') return;
        throw new ScheduleError(`Could not delete schedule ${Name}`, { cause: err });
      }
    },
  };
}
