/**
 * Operations in CDK: the dashboard names Parley's business metrics and the AWS metrics under them,
 * every alarm exists with its metric and threshold and notifies the alarm topic, and
 * `parley:alarmEmail` subscribes an address.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParleyFunction, REPO_ROOT } from '../../lib/function.js';
import { ParleyObservability } from '../../lib/observability.js';
import type { ParleyStack } from '../../lib/parley-stack.js';
import { createParleyApp, SYNTH_TIMEOUT_MS, TEST_SITE_ID } from './app.js';

let template: Template;
let stack: ParleyStack;
let body: string;
let functionCount: number;

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The dashboard body with its tokens (Fn::Join parts) flattened to text, for searching. */
function dashboardBody(t: Template): string {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
  expect(dashboards).toHaveLength(1);
  const raw = dashboards[0]!.Properties.DashboardBody as { 'Fn::Join'?: [string, unknown[]] } | string;
  if (typeof raw === 'string') return raw;
  return raw['Fn::Join']![1].map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
}

function alarms(t: Template): Resource[] {
  return Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Resource[];
}

beforeAll(() => {
  ({ stack } = createParleyApp());
  template = Template.fromStack(stack);
  body = dashboardBody(template);
  // Parley's own functions (aws-cdk-lib adds provider functions of its own, not shown).
  functionCount = stack.node.findAll().filter((c) => c instanceof ParleyFunction).length;
}, SYNTH_TIMEOUT_MS);

describe('the dashboard', () => {
  it('shows chats requested/accepted/missed, queue wait p50/p90 and message latency p50/p99 for the site', () => {
    for (const name of ['ChatsRequested', 'ChatsAccepted', 'ChatsMissed', 'QueueWait', 'MessageLatency']) {
      expect(body).toContain(`"Parley","${name}","site","${TEST_SITE_ID}"`);
    }
    for (const stat of ['"stat":"p50"', '"stat":"p90"', '"stat":"p99"']) expect(body).toContain(stat);
  });

  it('shows delivery failures, invitations and offline messages', () => {
    expect(body).toContain('"Parley","DeliveryFailures"');
    for (const name of ['InvitationsSent', 'InvitationsAccepted', 'OfflineMessages']) {
      expect(body).toContain(`"Parley","${name}","site","${TEST_SITE_ID}"`);
    }
  });

  it('shows Lambda errors, throttles and duration for every function of the stack', () => {
    for (const metric of ['Errors', 'Throttles', 'Duration']) {
      const count = body.split(`"AWS/Lambda","${metric}","FunctionName"`).length - 1;
      expect(count, metric).toBe(functionCount);
    }
  });

  it('shows DynamoDB throttle events and consumed capacity, and the WebSocket API connects, messages and errors', () => {
    for (const m of [
      'ReadThrottleEvents',
      'WriteThrottleEvents',
      'ConsumedReadCapacityUnits',
      'ConsumedWriteCapacityUnits',
    ])
      expect(body).toContain(`"AWS/DynamoDB","${m}","TableName"`);
    expect(body).toContain('"GlobalSecondaryIndexName","gsi1"');
    expect(body).toContain('"GlobalSecondaryIndexName","gsi2"');
    for (const m of ['ConnectCount', 'MessageCount', 'ClientError', 'IntegrationError', 'ExecutionError'])
      expect(body).toContain(`"AWS/ApiGateway","${m}","ApiId"`);
  });
});

describe('the alarms', () => {
  it('one error alarm per Parley function, combined into one composite alarm that notifies the topic', () => {
    const perFunction = alarms(template).filter(
      (a) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === 'Errors',
    );
    const parleyFunctions = stack.node.findAll().filter((c) => c instanceof ParleyFunction);
    expect(perFunction).toHaveLength(parleyFunctions.length);
    expect(parleyFunctions.length).toBeGreaterThan(20);
    for (const a of perFunction) {
      expect(a.Properties).toMatchObject({
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    const composite = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')) as Resource[];
    expect(composite).toHaveLength(1);
    const rule = JSON.stringify(composite[0]!.Properties.AlarmRule);
    expect(rule.match(/ALARM\(/g)).toHaveLength(perFunction.length);
    expect(JSON.stringify(composite[0]!.Properties.AlarmActions)).toContain('ObservabilityAlarms');
  });

  it('DynamoDB throttles: the table and its indexes, read and write, summed, at 1 or more', () => {
    const a = alarms(template).find((x) => JSON.stringify(x.Properties.Metrics ?? '').includes('ThrottleEvents'));
    expect(a).toBeDefined();
    const metrics = a!.Properties.Metrics as { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
    expect(metrics.find((m) => m.Expression)!.Expression).toBe('r0 + w0 + r1 + w1 + r2 + w2');
    expect(metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric.MetricName)).toEqual(
      Array.from({ length: 3 }, () => ['ReadThrottleEvents', 'WriteThrottleEvents']).flat(),
    );
    expect(a!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('missed chats: the site’s ChatsMissed summed over an hour, at 5 or more', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Parley',
      MetricName: 'ChatsMissed',
      Dimensions: [{ Name: 'site', Value: TEST_SITE_ID }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('ObservabilityAlarms') })],
    });
  });

  it('a table stream reader falling behind: the grid’s over a minute, the report counters’ over five', () => {
    const lag = alarms(template).filter((a) => a.Properties.MetricName === 'IteratorAge');
    expect(lag).toHaveLength(2);
    const byFunction = new Map(
      lag.map((a) => [JSON.stringify((a.Properties.Dimensions as { Value: unknown }[])[0]!.Value), a.Properties]),
    );
    const ref = (fn: { fn: { node: { defaultChild?: unknown } } }) =>
      JSON.stringify({ Ref: stack.getLogicalId(fn.fn.node.defaultChild as never) });
    expect(byFunction.get(ref(stack.visitorStream.handler))).toMatchObject({
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Threshold: 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
    });
    expect(byFunction.get(ref(stack.reportStream.handler))).toMatchObject({ Threshold: 300_000 });
    for (const a of lag) {
      expect(a.Properties.AlarmActions).toEqual([
        expect.objectContaining({ Ref: expect.stringMatching(/ObservabilityAlarms/) }),
      ]);
    }
    expect(body).toContain('Table stream readers: iterator age (ms)');
  });

  it('dead letters: any message visible in the event dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventsDeadLetters'), 'QueueName'] } },
      ],
      Threshold: 1,
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('ObservabilityAlarms') })],
    });
  });

  it('the alarm topic enforces TLS and has no subscription unless parley:alarmEmail is given', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('ParleyObservability alone', () => {
  it(
    'subscribes the alarm e-mail address to the topic',
    () => {
      const app = new App();
      const s = new Stack(app, 'Obs');
      const fn = new ParleyFunction(s, 'Echo', {
        entry: 'echo-target',
        handlersDir: path.join(REPO_ROOT, 'test', 'fixtures', 'handlers'),
      });
      const table = new dynamodb.TableV2(s, 'T', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
      new ParleyObservability(s, 'Observability', {
        siteId: 'shop',
        functions: [fn],
        table,
        indexNames: [],
        webSocketApiId: 'api123',
        webSocketStage: 'ws',
        deadLetterQueues: [new sqs.Queue(s, 'Dlq')],
        alarmEmail: 'ops@example.com',
        missedChatsThreshold: 2,
      });
      const t = Template.fromStack(s);
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ChatsMissed',
        Dimensions: [{ Name: 'site', Value: 'shop' }],
        Threshold: 2,
      });
      const throttles = alarms(t).find((x) => JSON.stringify(x.Properties.Metrics ?? '').includes('ThrottleEvents'))!;
      expect((throttles.Properties.Metrics as { Expression?: string }[]).find((m) => m.Expression)!.Expression).toBe(
        'r0 + w0',
      );
    },
    SYNTH_TIMEOUT_MS,
  );
});
