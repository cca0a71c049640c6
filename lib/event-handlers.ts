import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_RULES } from '../functions/handlers/routes.js';
import type { ParleyData } from './data.js';
import { grantTable, ParleyFunction, pascalId, type TableAccess } from './function.js';
import { PARLEY_EVENT_SOURCE } from './scheduling.js';

/** One item of EVENT_RULES: events of `detailType` go to the function built from `entry`. */
export type EventRule = (typeof EVENT_RULES)[number];

/**
 * Table access of entries that need less than read-write: the mail function reads, and updates
 * offline messages with what it sent (which operators, the reply), so a retried event sends
 * nothing twice; it never creates or deletes items.
 */
export const DEFAULT_EVENT_TABLE_ACCESS: Readonly<Record<string, TableAccess>> = { mail: 'readupdate' };

export interface ParleyEventHandlersProps {
  /** Parley's event bus (ParleyScheduling.bus). */
  readonly bus: events.IEventBus;
  /** The table the functions read (and, unless read-only, write). */
  readonly data: ParleyData;
  /** The WebSocket management endpoint (the handlers' shared configuration requires it). */
  readonly wsCallbackUrl: string;
  /** The rules. @default EVENT_RULES from functions/handlers/routes.ts */
  readonly rules?: readonly EventRule[];
  /** Table access per entry (others: read-write). @default DEFAULT_EVENT_TABLE_ACCESS */
  readonly tableAccess?: Readonly<Record<string, TableAccess>>;
  /** Folder of the handler files. @default functions/handlers */
  readonly handlersDir?: string;
  /** How long EventBridge keeps trying to hand an event to its function. @default 2 hours */
  readonly maxEventAge?: Duration;
  /** How often EventBridge retries handing an event to its function. @default 8 */
  readonly retryAttempts?: number;
}

/**
 * Functions behind Parley's domain events (DESIGN §1): one function per distinct entry of
 * EVENT_RULES, one rule per item on Parley's bus (`source: parley` and that `detail-type`).
 *
 * Nothing is dropped silently: EventBridge retries the hand-over (8 times, for up to 2 hours) and
 * then puts the event in the dead-letter queue; once Lambda has accepted an event (an asynchronous
 * invocation) a failing function is retried by Lambda (twice) and then lands in the same queue
 * through the function's own dead-letter configuration. The queue is encrypted (SQS-managed SSE),
 * refuses non-TLS requests and keeps messages for 14 days.
 *
 * Every function knows the table (`grantTable`, as `tableAccess` says) and
 * `WS_CALLBACK_URL`; anything else (SES, ManageConnections) is granted by the stack.
 */
export class ParleyEventHandlers extends Construct {
  /** The function of each entry. */
  readonly functions: ReadonlyMap<string, ParleyFunction>;
  /** The rule of each detail type. */
  readonly rules: ReadonlyMap<string, Rule>;
  /** Events (and failed invocations) that could not be handled. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ParleyEventHandlersProps) {
    super(scope, id);
    const items = props.rules ?? EVENT_RULES;
    const access = props.tableAccess ?? DEFAULT_EVENT_TABLE_ACCESS;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const functions = new Map<string, ParleyFunction>();
    for (const entry of new Set(items.map((item) => item.entry))) {
      const fn = new ParleyFunction(this, pascalId(entry), {
        entry,
        handlersDir: props.handlersDir,
        description: `Parley event handler ${entry}`,
        environment: { WS_CALLBACK_URL: props.wsCallbackUrl },
        deadLetterQueue: this.deadLetterQueue,
      });
      grantTable(fn, props.data, access[entry] ?? 'readwrite');
      functions.set(entry, fn);
    }
    this.functions = functions;

    const rules = new Map<string, Rule>();
    for (const item of items) {
      if (rules.has(item.detailType)) throw new Error(`EVENT_RULES lists ${item.detailType} twice`);
      const rule = new Rule(this, `Rule${pascalId(item.detailType)}`, {
        eventBus: props.bus,
        description: `Parley ${item.detailType} → ${item.entry}`,
        eventPattern: { source: [PARLEY_EVENT_SOURCE], detailType: [item.detailType] },
      });
      rule.addTarget(
        new LambdaFunction(functions.get(item.entry)!.fn, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: props.maxEventAge ?? Duration.hours(2),
          retryAttempts: props.retryAttempts ?? 8,
        }),
      );
      rules.set(item.detailType, rule);
    }
    this.rules = rules;
  }

  /** The function of `entry`; throws when EVENT_RULES has none. */
  functionOf(entry: string): ParleyFunction {
    const fn = this.functions.get(entry);
    if (!fn) throw new Error(`EVENT_RULES has no entry ${entry}`);
    return fn;
  }
}
