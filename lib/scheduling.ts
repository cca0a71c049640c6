import { ArnFormat, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { ParleyFunction } from './function.js';
import { acknowledgeWildcardResource } from './nag.js';

/**
 * The `source` of every Parley domain event (EVENT_SOURCE in functions/adapters/event-bus.ts; not
 * imported here so the CDK app does not load the EventBridge client). Rules match it, and
 * publishers may put events with this source only.
 */
export const PARLEY_EVENT_SOURCE = 'parley';

export interface ParleySchedulingProps {
  /**
   * What happens to the schedule group (and its pending one-time schedules) when it leaves the stack.
   * @default RemovalPolicy.DESTROY (pending auto-invitations are worthless without the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Asynchronous work (DESIGN §1): an EventBridge bus for Parley's domain events, and an EventBridge
 * Scheduler group for one-time schedules (operator grace periods, auto-invitations), with the role
 * the schedules run as. The role starts with no rights; `addTarget(name, fn)` lets it invoke exactly
 * that function, and `grantScheduling(fn)` lets a function create schedules in the group that run
 * as that role and target one of the registered functions.
 */
export class ParleyScheduling extends Construct {
  /** Parley's event bus. */
  readonly bus: events.EventBus;
  /** The group every Parley schedule is created in. */
  readonly group: scheduler.ScheduleGroup;
  /** The role EventBridge Scheduler assumes to invoke the targets. */
  readonly schedulerRole: iam.Role;
  /** `arn:…:schedule/<group>/*`: every schedule of the group, and nothing else. */
  readonly schedulesArn: string;
  private readonly targets = new Map<string, ParleyFunction>();

  constructor(scope: Construct, id: string, props: ParleySchedulingProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Parley domain events (chat ended, offline message left, ...)',
    });

    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.schedulesArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to run Parley schedules',
      // Confused-deputy guard: only schedules of this account may use the role.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
  }

  /** The registered schedule targets: logical name → function. */
  get targetFunctions(): ReadonlyMap<string, ParleyFunction> {
    return this.targets;
  }

  /**
   * Registers `fn` as the schedule target `name` (listed in every scheduling function's
   * `SCHEDULER_TARGETS`) and lets schedules invoke it.
   */
  addTarget(name: string, fn: ParleyFunction): void {
    const existing = this.targets.get(name);
    if (existing && existing !== fn) throw new Error(`Schedule target ${name} is registered twice`);
    this.targets.set(name, fn);
    if (!existing) this.allowInvoke(fn);
  }

  /** Lets schedules invoke `fn` (this function only, no version/alias wildcard). */
  private allowInvoke(fn: ParleyFunction): void {
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [fn.fn.functionArn],
      }),
    );
  }

  /**
   * Lets `fn` create and delete one-time schedules in Parley's group (no update, no read, no other
   * group) that run as the scheduler role, and tells it the group, the role and the targets
   * (`SCHEDULER_GROUP_NAME`, `SCHEDULER_ROLE_ARN`, `SCHEDULER_TARGETS` = `{"<target>": "<function ARN>"}`
   * of every `addTarget`, whenever it was called).
   */
  grantScheduling(fn: ParleyFunction): void {
    const stack = Stack.of(this);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ParleySchedules',
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [this.schedulesArn],
      }),
    );
    acknowledgeWildcardResource(
      fn,
      this.schedulesArn,
      'Schedule names are made at run time (one per operator and grace period); the wildcard covers the ' +
        'schedules of Parley’s own schedule group only, and only CreateSchedule and DeleteSchedule.',
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ParleyPassSchedulerRole',
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    fn.addEnvironment('SCHEDULER_GROUP_NAME', this.group.scheduleGroupName);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
    fn.addEnvironment(
      'SCHEDULER_TARGETS',
      Lazy.string({
        produce: () =>
          stack.toJsonString(
            Object.fromEntries([...this.targets].map(([name, target]) => [name, target.fn.functionArn])),
          ),
      }),
    );
  }

  /**
   * Lets `fn` put events on Parley's bus only, with source `parley` only, and tells it the bus
   * (`EVENT_BUS_NAME`).
   */
  grantPutEvents(fn: ParleyFunction): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ParleyPutEvents',
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'events:source': PARLEY_EVENT_SOURCE } },
      }),
    );
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
  }
}
