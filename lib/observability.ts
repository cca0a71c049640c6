import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ParleyFunction } from './function.js';
import { acknowledge } from './nag.js';

/** The namespace and dimension of the EMF metrics the functions write (functions/adapters/metrics.ts). */
export const PARLEY_NAMESPACE = 'Parley';

export interface ParleyObservabilityProps {
  /** The site the business metrics are shown and alarmed for (the `site` dimension). */
  readonly siteId: string;
  /** Every Parley function: errors, throttles and duration per function, an error alarm on each. */
  readonly functions: readonly ParleyFunction[];
  /** The table: throttles and consumed capacity. */
  readonly table: dynamodb.ITableV2;
  /** The table's global secondary indexes (their throttles are reported apart). */
  readonly indexNames: readonly string[];
  /** The WebSocket API and its stage: connects, messages, errors. */
  readonly webSocketApiId: string;
  readonly webSocketStage: string;
  /** Dead-letter queues: any visible message raises an alarm. */
  readonly deadLetterQueues: readonly sqs.IQueue[];
  /**
   * The table stream's readers and how far behind each may fall (its Lambda `IteratorAge`, the
   * age of the newest record it has processed) before the alarm: a reader that keeps failing
   * falls behind until its retries run out, and its work (grid and welcomes, or report counters)
   * waits meanwhile. @default none
   */
  readonly streamReaders?: readonly { readonly fn: ParleyFunction; readonly maxAge: Duration }[];
  /** An address subscribed to the alarm topic (context `parley:alarmEmail`). @default none */
  readonly alarmEmail?: string;
  /** Missed chats (per `missedChatsPeriod`) that raise the alarm. @default 5 */
  readonly missedChatsThreshold?: number;
  /** @default 1 hour */
  readonly missedChatsPeriod?: Duration;
}

/**
 * Operations: one CloudWatch dashboard (chats, queue wait, message latency, delivery failures,
 * invitations; Lambda errors/throttles/duration per function; DynamoDB throttles and consumed
 * capacity; the WebSocket API's connects, messages and errors) and alarms (Lambda errors on any
 * function, DynamoDB throttling, missed chats above a threshold, dead letters, a table stream reader
 * falling behind) that notify one
 * SNS topic, to which `alarmEmail` is subscribed when given.
 */
export class ParleyObservability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm notifies this topic; subscribe more endpoints to it as needed. */
  readonly alarmTopic: sns.Topic;
  /** One error alarm per function (no action of its own) and the composite that notifies. */
  readonly functionErrorAlarms: readonly cloudwatch.Alarm[];
  readonly lambdaErrorsAlarm: cloudwatch.CompositeAlarm;
  readonly tableThrottlesAlarm: cloudwatch.Alarm;
  readonly missedChatsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarms: readonly cloudwatch.Alarm[];
  /** One per stream reader: its iterator age over `maxAge` for 10 minutes. */
  readonly streamLagAlarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ParleyObservabilityProps) {
    super(scope, id);
    const five = Duration.minutes(5);
    // `Realtime/RouteChatMessage`: where the function sits in the stack says which one it is.
    const nameOf = (f: ParleyFunction) => f.node.path.split('/').slice(1).join('/');
    const site = { site: props.siteId };
    const parley = (
      metricName: string,
      statistic: string,
      label: string,
      dimensionsMap: Record<string, string> = site,
    ) =>
      new cloudwatch.Metric({ namespace: PARLEY_NAMESPACE, metricName, dimensionsMap, statistic, period: five, label });

    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: 'Parley alarms', enforceSSL: true });
    acknowledge(
      this.alarmTopic,
      'SNS2',
      'Alarm notifications carry alarm names and metric values only, no personal data. CloudWatch cannot ' +
        'publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key would cost ' +
        'more than the rest of an idle Parley.',
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.alarmTopic);

    // Lambda: one alarm per function (the name says which), one composite that notifies.
    this.functionErrorAlarms = props.functions.map((f) =>
      f.fn.metricErrors({ period: five, statistic: 'Sum' }).createAlarm(f, 'ErrorsAlarm', {
        alarmDescription: `Parley ${nameOf(f)}: the function failed (an unhandled error, a timeout or out of memory)`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    this.lambdaErrorsAlarm = new cloudwatch.CompositeAlarm(this, 'LambdaErrors', {
      alarmDescription: 'Parley: a Lambda function failed; the alarm in ALARM state names which',
      alarmRule: cloudwatch.AlarmRule.anyOf(...this.functionErrorAlarms),
    });
    this.lambdaErrorsAlarm.addAlarmAction(notify);

    // DynamoDB: throttle events of the table and its indexes (on-demand throttles past account or
    // partition limits); a math expression sums them (alarms take up to 10 metrics).
    const table = props.table.tableName;
    const ddb = (metricName: string, index?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: index ? { TableName: table, GlobalSecondaryIndexName: index } : { TableName: table },
        statistic: 'Sum',
        period: five,
      });
    const throttleMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const [i, index] of [undefined, ...props.indexNames].entries()) {
      throttleMetrics[`r${i}`] = ddb('ReadThrottleEvents', index);
      throttleMetrics[`w${i}`] = ddb('WriteThrottleEvents', index);
    }
    const throttles = new cloudwatch.MathExpression({
      expression: Object.keys(throttleMetrics).join(' + '),
      usingMetrics: throttleMetrics,
      label: 'Throttle events (table and indexes)',
      period: five,
    });
    this.tableThrottlesAlarm = throttles.createAlarm(this, 'TableThrottles', {
      alarmDescription: 'Parley: DynamoDB throttled reads or writes on the table or an index',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.tableThrottlesAlarm.addAlarmAction(notify);

    // Missed chats: visitors who asked and got nobody (ended in the queue, or declined by all).
    const missedPeriod = props.missedChatsPeriod ?? Duration.hours(1);
    this.missedChatsAlarm = new cloudwatch.Metric({
      namespace: PARLEY_NAMESPACE,
      metricName: 'ChatsMissed',
      dimensionsMap: site,
      statistic: 'Sum',
      period: missedPeriod,
    }).createAlarm(this, 'MissedChats', {
      alarmDescription: `Parley: too many chat requests went unanswered on site ${props.siteId}`,
      threshold: props.missedChatsThreshold ?? 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.missedChatsAlarm.addAlarmAction(notify);

    this.deadLetterAlarms = props.deadLetterQueues.map((q, i) => {
      const alarm = q
        .metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' })
        .createAlarm(this, `DeadLetters${i || ''}`, {
          alarmDescription:
            'Parley: events (e.g. transcript mail) failed after every retry and wait in a dead-letter queue',
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      alarm.addAlarmAction(notify);
      return alarm;
    });

    const iteratorAge = (f: ParleyFunction) => f.fn.metric('IteratorAge', { period: five, statistic: 'Maximum' });
    this.streamLagAlarms = (props.streamReaders ?? []).map(({ fn, maxAge }) => {
      const alarm = iteratorAge(fn).createAlarm(fn, 'StreamLagAlarm', {
        alarmDescription:
          `Parley ${nameOf(fn)}: more than ${maxAge.toHumanString()} behind the table stream ` +
          '(its batches keep failing or take too long); what it does waits meanwhile',
        threshold: maxAge.toMilliseconds(),
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      return alarm;
    });

    const perFunction = (make: (f: ParleyFunction) => cloudwatch.IMetric) => props.functions.map(make);
    const apigw = (metricName: string, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.webSocketApiId, Stage: props.webSocketStage },
        statistic,
        period: five,
        label: metricName,
      });
    const graph = (title: string, left: cloudwatch.IMetric[], right?: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, ...(right ? { right } : {}), width, height: 6 });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown:
              `# Parley — site \`${props.siteId}\`\nChats, delivery and the AWS services under them. ` +
              'Logs: CloudWatch Logs Insights on the stack\'s log groups, e.g. `filter chatId = "…"` ' +
              '(docs/operations.md).',
            width: 24,
            height: 2,
          }),
        ],
        [
          graph('Chats (per 5 min)', [
            parley('ChatsRequested', 'Sum', 'requested'),
            parley('ChatsAccepted', 'Sum', 'accepted'),
            parley('ChatsMissed', 'Sum', 'missed'),
          ]),
          graph('Queue wait (ms, accepted chats)', [
            parley('QueueWait', 'p50', 'p50'),
            parley('QueueWait', 'p90', 'p90'),
          ]),
          graph('Message latency (ms, receipt → last post)', [
            parley('MessageLatency', 'p50', 'p50'),
            parley('MessageLatency', 'p99', 'p99'),
          ]),
        ],
        [
          graph('Delivery failures (PostToConnection)', [parley('DeliveryFailures', 'Sum', 'failures', {})]),
          graph('Invitations and offline messages', [
            parley('InvitationsSent', 'Sum', 'invitations sent'),
            parley('InvitationsAccepted', 'Sum', 'invitations accepted'),
            parley('OfflineMessages', 'Sum', 'offline messages'),
          ]),
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: [
              this.lambdaErrorsAlarm,
              this.tableThrottlesAlarm,
              this.missedChatsAlarm,
              ...this.deadLetterAlarms,
              ...this.streamLagAlarms,
            ],
            width: 8,
            height: 6,
          }),
        ],
        [
          graph(
            'Lambda errors per function',
            perFunction((f) => f.fn.metricErrors({ period: five, statistic: 'Sum', label: nameOf(f) })),
          ),
          graph(
            'Lambda throttles per function',
            perFunction((f) => f.fn.metricThrottles({ period: five, statistic: 'Sum', label: nameOf(f) })),
          ),
          graph(
            'Lambda duration p99 per function (ms)',
            perFunction((f) => f.fn.metricDuration({ period: five, statistic: 'p99', label: nameOf(f) })),
          ),
        ],
        [
          graph('DynamoDB throttle events', [throttles]),
          graph('DynamoDB consumed capacity (units per 5 min)', [
            ddb('ConsumedReadCapacityUnits').with({ label: 'read' }),
            ddb('ConsumedWriteCapacityUnits').with({ label: 'write' }),
          ]),
          graph(
            'WebSocket API',
            [apigw('ConnectCount'), apigw('MessageCount')],
            [apigw('ClientError'), apigw('IntegrationError'), apigw('ExecutionError')],
          ),
        ],
        ...((props.streamReaders ?? []).length
          ? [
              [
                graph(
                  'Table stream readers: iterator age (ms)',
                  (props.streamReaders ?? []).map((r) => iteratorAge(r.fn).with({ label: nameOf(r.fn) })),
                  undefined,
                  24,
                ),
              ],
            ]
          : []),
      ],
    });

    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of Parley',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Stack.of(this).region}#dashboards:name=${this.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic every Parley alarm notifies (subscribe more endpoints here)',
      value: this.alarmTopic.topicArn,
    });
  }
}
