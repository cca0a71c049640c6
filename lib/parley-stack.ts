import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ParleyAuth } from './auth.js';
import { ParleyData } from './data.js';
import { ParleyEventHandlers } from './event-handlers.js';
import { ParleyFunction } from './function.js';
import { ParleyHosting } from './hosting.js';
import { ParleyHttpApi } from './http-api.js';
import { ParleyMail } from './mail.js';
import { acknowledge } from './nag.js';
import { ParleyObservability } from './observability.js';
import { grantVisitorTokenSecret, RealtimeApi } from './realtime-api.js';
import { ReportStream } from './report-stream.js';
import { ScheduleTargets } from './schedule-targets.js';
import { ParleyScheduling } from './scheduling.js';
import { VisitorStream } from './visitor-stream.js';

export interface ParleyStackProps extends StackProps {
  /** Sender address of Parley's e-mail (context `parley:mailFrom`). */
  readonly mailFrom: string;
  /** The site id the embed snippet and the console use (context `parley:siteId`). */
  readonly siteId: string;
  /** DynamoDB deletion protection. @default true */
  readonly tableDeletionProtection?: boolean;
  /** WebSocket stage access logs (needs the account's API Gateway CloudWatch role). @default false */
  readonly wsAccessLogs?: boolean;
  /** Headers the `/ws` origin request policy may forward (CloudFront quota). @default 10 */
  readonly originRequestHeaderQuota?: number;
  /** Folder with the built widget and console. @default <repo>/dist */
  readonly distDir?: string;
  /** Folder of the Lambda handler files. @default <repo>/functions/handlers */
  readonly handlersDir?: string;
  /** An address the alarm topic notifies (context `parley:alarmEmail`). @default none */
  readonly alarmEmail?: string;
}

/** Parley in one stack: data and its stream, auth, the two APIs, hosting, scheduling, events and mail. */
export class ParleyStack extends Stack {
  readonly data: ParleyData;
  readonly auth: ParleyAuth;
  readonly realtime: RealtimeApi;
  readonly httpApi: ParleyHttpApi;
  readonly hosting: ParleyHosting;
  readonly scheduling: ParleyScheduling;
  readonly mail: ParleyMail;
  readonly eventHandlers: ParleyEventHandlers;
  readonly scheduleTargets: ScheduleTargets;
  readonly visitorStream: VisitorStream;
  readonly reportStream: ReportStream;
  readonly visitorTokenSecret: secretsmanager.Secret;
  readonly observability: ParleyObservability;

  constructor(scope: Construct, id: string, props: ParleyStackProps) {
    super(scope, id, {
      description: 'Parley: self-hosted live chat (WebSocket API, Lambda, DynamoDB, CloudFront, Cognito)',
      ...props,
    });

    this.data = new ParleyData(this, 'Data', { deletionProtection: props.tableDeletionProtection ?? true });
    this.auth = new ParleyAuth(this, 'Auth');

    this.visitorTokenSecret = new secretsmanager.Secret(this, 'VisitorTokenSecret', {
      description: 'Parley: HMAC key that signs visitor tokens (vt)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    acknowledge(
      this.visitorTokenSecret,
      'SMG4',
      'The key only signs visitor tokens (pseudonymous "same visitor as before" ids, no access rights). ' +
        'Rotating it makes every returning visitor look new, so it is rotated by hand when needed, not on a timer.',
    );

    this.realtime = new RealtimeApi(this, 'Realtime', {
      data: this.data,
      visitorTokenSecret: this.visitorTokenSecret,
      handlersDir: props.handlersDir,
      accessLogs: props.wsAccessLogs ?? false,
    });

    this.visitorStream = new VisitorStream(this, 'VisitorStream', {
      data: this.data,
      realtime: this.realtime,
      handlersDir: props.handlersDir,
    });
    // The stream welcomes the sockets whose page view came with the connect: with a visitor token.
    grantVisitorTokenSecret(this.visitorStream.handler, this.visitorTokenSecret);
    // Its second reader keeps the report counters, a minute at a time.
    this.reportStream = new ReportStream(this, 'ReportStream', { data: this.data, handlersDir: props.handlersDir });

    this.httpApi = new ParleyHttpApi(this, 'HttpApi', {
      data: this.data,
      auth: this.auth,
      wsCallbackUrl: this.realtime.callbackUrl,
      siteId: props.siteId,
      handlersDir: props.handlersDir,
    });

    // Disabling an operator closes their open consoles (DeleteConnection) at once.
    this.realtime.grantManageConnections(this.httpApi.handler);

    this.scheduling = new ParleyScheduling(this, 'Scheduling');
    this.mail = new ParleyMail(this, 'Mail', { mailFrom: props.mailFrom });

    // EVENT_RULES: domain events on the bus → their functions (mail records what it sent).
    this.eventHandlers = new ParleyEventHandlers(this, 'Events', {
      bus: this.scheduling.bus,
      data: this.data,
      wsCallbackUrl: this.realtime.callbackUrl,
      handlersDir: props.handlersDir,
    });
    // SCHEDULE_TARGETS: the only functions the scheduler role may invoke.
    this.scheduleTargets = new ScheduleTargets(this, 'ScheduleTargets', {
      scheduling: this.scheduling,
      data: this.data,
      realtime: this.realtime,
      handlersDir: props.handlersDir,
    });

    // Who publishes, schedules and mails (each grant names its one resource):
    // - `transcript` asks for a transcript by putting transcript.requested on the bus;
    this.scheduling.grantPutEvents(this.wsRoute('transcript'));
    // - `leave-message` announces a stored offline message (offline-message.received), and the
    //   HTTP API an operator's reply to one (offline-message.reply), both for the mail function;
    this.scheduling.grantPutEvents(this.wsRoute('leave-message'));
    this.scheduling.grantPutEvents(this.httpApi.handler);
    // - the stream starts an operator's grace period (their last console closed: `$disconnect`
    //   removed it, with no Lambda) as a one-time schedule of operator-presence;
    this.scheduling.grantScheduling(this.visitorStream.handler);
    // - `page-view`, and the `$connect` authorizer for the page view a connect carries, schedule a
    //   qualifying visitor's automatic invitation (auto-invite).
    this.scheduling.grantScheduling(this.wsRoute('page-view'));
    this.scheduling.grantScheduling(this.realtime.authorizerFunction);
    // - the mail function sends transcripts, offline messages and replies from the Parley sender.
    this.mail.grantSend(this.eventHandlers.functionOf('mail'));

    this.hosting = new ParleyHosting(this, 'Hosting', {
      realtimeDomainName: this.realtime.domainName,
      httpApiDomainName: this.httpApi.domainName,
      auth: this.auth,
      siteId: props.siteId,
      distDir: props.distDir,
      maxForwardedHeaders: props.originRequestHeaderQuota,
    });

    // Last, so that it sees every function of the stack.
    this.observability = new ParleyObservability(this, 'Observability', {
      siteId: props.siteId,
      functions: this.node.findAll().filter((c): c is ParleyFunction => c instanceof ParleyFunction),
      table: this.data.table,
      indexNames: this.data.indexNames,
      webSocketApiId: this.realtime.api.apiId,
      webSocketStage: this.realtime.stage.stageName,
      deadLetterQueues: [this.eventHandlers.deadLetterQueue],
      // The grid's reader works in 1 s batches: a minute behind is already wrong. The report
      // counters' reader waits up to a minute by design.
      streamReaders: [
        { fn: this.visitorStream.handler, maxAge: Duration.minutes(1) },
        { fn: this.reportStream.handler, maxAge: Duration.minutes(5) },
      ],
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });

    const domain = this.hosting.distribution.distributionDomainName;
    new CfnOutput(this, 'ConsoleUrl', {
      description: 'Operator console',
      value: `https://${domain}/console/`,
    });
    new CfnOutput(this, 'WidgetEmbedSnippet', {
      description: 'Paste into every page of your website',
      value: `<script async src="https://${domain}/widget/parley.js" data-site="${props.siteId}"></script>`,
    });
    new CfnOutput(this, 'WebSocketUrl', {
      description: 'WebSocket endpoint through CloudFront',
      value: `wss://${domain}/ws`,
    });
    new CfnOutput(this, 'ExecuteApiWebSocketUrl', {
      description: 'WebSocket endpoint of API Gateway itself (stage ws), bypassing CloudFront',
      value: this.realtime.stage.url,
    });
    new CfnOutput(this, 'WebSocketCallbackUrl', {
      description: 'Management API (PostToConnection) endpoint',
      value: this.realtime.callbackUrl,
    });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.client.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'EventDeadLetterQueueUrl', {
      description: 'Domain events (e.g. transcript requests) that could not be handled',
      value: this.eventHandlers.deadLetterQueue.queueUrl,
    });
  }

  /** The function of a WebSocket route; throws when WS_ROUTES has no such route. */
  private wsRoute(routeKey: string): ParleyFunction {
    const fn = this.realtime.functions.get(routeKey);
    if (!fn) throw new Error(`WS_ROUTES has no route ${routeKey}`);
    return fn;
  }
}
