import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { ParleyFunction } from './function.js';

export interface ParleySchedulingProps {
  /**
   * What happens to the schedule group (and its pending one-time schedules) when it leaves the stack.
   * @default RemovalPolicy.DESTROY (pending auto-invitations are worthless without the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Asynchronous work (DESIGN §1): an EventBridge bus for Parley's domain events, and an EventBridge
 * Scheduler group for one-time schedules (auto-invitations), with the role the schedules run as.
 * The role starts with no rights; `allowInvoke(fn)` adds exactly one function, and
 * `grantScheduling(fn)` lets a function create schedules in the group that run as that role.
 */
export class ParleyScheduling extends Construct {
  /** Parley's event bus. */
  readonly bus: events.EventBus;
  /** The group every Parley schedule is created in. */
  readonly group: scheduler.ScheduleGroup;
  /** The role EventBridge Scheduler assumes to invoke the targets. */
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: ParleySchedulingProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Parley domain events (chat ended, offline message left, ...)',
    });

    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to run Parley schedules',
      // Confused-deputy guard: only schedules of this account may use the role.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
  }

  /** Lets schedules invoke `fn` (this function only, no version/alias wildcard). */
  allowInvoke(fn: ParleyFunction): void {
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [fn.fn.functionArn],
      }),
    );
  }

  /**
   * Lets `fn` create, update and delete schedules in Parley's group that run as the scheduler role, and
   * tells it the group and role (`SCHEDULER_GROUP_NAME`, `SCHEDULER_ROLE_ARN`).
   */
  grantScheduling(fn: ParleyFunction): void {
    this.group.grants.writeSchedules(fn.role);
    this.group.grants.deleteSchedules(fn.role);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    fn.addEnvironment('SCHEDULER_GROUP_NAME', this.group.scheduleGroupName);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
  }

  /** Lets `fn` put events on Parley's bus only, and tells it the bus (`EVENT_BUS_NAME`). */
  grantPutEvents(fn: ParleyFunction): void {
    this.bus.grantPutEventsTo(fn.role);
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
  }
}
