/**
 * The whole of Parley on one machine: dynalite, cognito-local, aws-ses-v2-local, and the local
 * gateway running the real Lambda handlers. `npm start` and the integration/e2e tests use this.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from '../functions/adapters/dynamo-store.js';
import {
  EVENT_RULES,
  REPORT_STREAM_BATCH_SIZE,
  REPORT_STREAM_ENTRY,
  REPORT_STREAM_KEY_FILTERS,
  REPORT_STREAM_WINDOW_S,
  SCHEDULE_TARGETS,
  STREAM_ENTRY,
  STREAM_KEY_FILTERS,
} from '../functions/handlers/routes.js';
import { startCognito } from './cognito.js';
import { startDynamo } from './dynamo.js';
import { type LocalStream, startLocalStream } from './dynamo-stream.js';
import { type LocalEventBus, startLocalEventBus } from './event-bus.js';
import { LocalGateway } from './gateway.js';
import { openGeoIp } from './geoip.js';
import { createLambdaRunner, localLambdaArn } from './lambda-runner.js';
import { type LocalScheduler, startLocalScheduler } from './scheduler.js';
import { startSes } from './ses.js';

// The local runtime runs on Node 20 by design (Lambda runs nodejs22.x); the SDK's Node-version
// notice and cognito-local's AWS SDK v2 notice say nothing useful to someone trying Parley.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SITE_ID = 'demo';
export const DEMO_OPERATOR = { email: 'demo@parley.local', password: 'Parley-demo-2026!', name: 'Dana Demo' };

export interface LocalStackOptions {
  /** Port for the site, console, widget, /ws and /api (0 picks a free one). */
  port?: number;
  /** Keep data in this folder across restarts; in memory when absent. */
  dataDir?: string;
  quiet?: boolean;
  idleTimeoutMs?: number;
  /** MaxMind .mmdb files (City/Country and/or ASN) the gateway derives the viewer headers from. */
  geoip?: string | readonly string[];
  /** The stream's batching window (Lambda's MaximumBatchingWindowInSeconds); 1 s like the CDK app. */
  streamWindowMs?: number;
  /**
   * The report counters' batching window: a minute like the CDK app (REPORT_STREAM_WINDOW_S), so
   * today's report lags by up to that much here too. `stream.idle()` delivers at once.
   */
  reportWindowMs?: number;
  onInvoke?: (entry: string) => void;
}

export interface LocalStack {
  url: string;
  wsUrl: string;
  sesUrl: string;
  cognitoUrl: string;
  dynamoEndpoint: string;
  tableName: string;
  siteId: string;
  demoOperator: { email: string; password: string; name: string };
  gateway: LocalGateway;
  scheduler: LocalScheduler;
  /** The table's change stream (local stand-in); `idle()` waits for every batch delivered so far. */
  stream: LocalStream;
  eventBus: LocalEventBus;
  createOperator(o: {
    email: string;
    password: string;
    name: string;
    role?: 'admin' | 'operator';
    temporary?: boolean;
  }): Promise<string>;
  stop(): Promise<void>;
}

function visitorSecret(dataDir?: string): string {
  if (!dataDir) return randomBytes(32).toString('base64url');
  const file = join(dataDir, 'visitor-token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const scratch = dataDir ?? mkdtempSync(join(tmpdir(), 'parley-'));
  const dynamo = await startDynamo({ ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}) });
  const cognito = await startCognito(join(scratch, 'cognito'));
  const ses = await startSes();
  const invoke = createLambdaRunner(ROOT, options.onInvoke);
  // The table's stream: handlers write through this proxy, which feeds its two readers.
  const stream = await startLocalStream({
    target: dynamo.endpoint,
    tableName: dynamo.tableName,
    consumers: [
      {
        filters: STREAM_KEY_FILTERS,
        invoke: (event) => invoke(STREAM_ENTRY, event),
        windowMs: options.streamWindowMs ?? 1000,
      },
      {
        filters: REPORT_STREAM_KEY_FILTERS,
        invoke: (event) => invoke(REPORT_STREAM_ENTRY, event),
        windowMs: options.reportWindowMs ?? REPORT_STREAM_WINDOW_S * 1000,
        batchSize: REPORT_STREAM_BATCH_SIZE,
      },
    ],
  });
  // EventBridge Scheduler and the event bus: real API servers that invoke the same handlers.
  const scheduler = await startLocalScheduler({ invoke });
  const eventBus = await startLocalEventBus({
    invoke,
    rules: EVENT_RULES.map((r) => ({ detailType: r.detailType, target: localLambdaArn(r.entry) })),
  });

  const geoip = options.geoip?.length ? await openGeoIp(options.geoip) : undefined;
  let port = 0;
  const gateway = new LocalGateway({
    port: options.port ?? 0,
    root: ROOT,
    cognito,
    ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    invoke,
    ...(geoip ? { geoip } : {}),
    consoleConfig: () => ({
      region: 'local',
      userPoolId: cognito.userPoolId,
      clientId: cognito.clientId,
      cognitoEndpoint: '/cognito/',
      apiUrl: '/api',
      wsUrl: '/ws',
      siteId: SITE_ID,
    }),
  });
  port = await gateway.listen();

  // What the CDK app sets on each function, pointed at the stand-ins. Read at "cold start".
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: stream.endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.url,
    // The admin API's Cognito calls (AdminCreateUser, groups, disable) go to cognito-local.
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url,
    USER_POOL_ID: cognito.userPoolId,
    TABLE_NAME: dynamo.tableName,
    WS_CALLBACK_URL: `http://127.0.0.1:${port}`,
    VISITOR_TOKEN_SECRET: visitorSecret(dataDir),
    AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBus.endpoint,
    SCHEDULER_GROUP_NAME: 'parley-local',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/parley-scheduler',
    SCHEDULER_TARGETS: JSON.stringify(
      Object.fromEntries(SCHEDULE_TARGETS.map((t) => [t.target, localLambdaArn(t.entry)])),
    ),
    MAIL_FROM: 'parley@parley.local',
    EVENT_BUS_NAME: 'parley-local',
    SITE_ID,
    // One process stands in for many Lambda instances: the SDK's 50 sockets per client would queue
    // unrelated invocations' requests behind each other (functions/adapters/http-options.ts).
    PARLEY_HTTP_MAX_SOCKETS: process.env.PARLEY_HTTP_MAX_SOCKETS ?? '1000',
    PARLEY_LOG: process.env.PARLEY_LOG ?? (options.quiet ? 'silent' : 'info'),
  });

  const operatorRecords = createDynamoStore(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    ),
    dynamo.tableName,
    { now: () => Date.now() },
  );

  const stack: LocalStack = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    sesUrl: ses.url,
    cognitoUrl: cognito.url,
    dynamoEndpoint: stream.endpoint,
    stream,
    tableName: dynamo.tableName,
    siteId: SITE_ID,
    demoOperator: DEMO_OPERATOR,
    gateway,
    scheduler,
    eventBus,
    async createOperator(o) {
      // As the admin screen will: a Cognito user, and Parley's own operator record beside it.
      const role = o.role ?? 'operator';
      const operatorId = await cognito.createUser({ ...o, role });
      await operatorRecords.ensureOperator({
        operatorId,
        siteId: SITE_ID,
        name: o.name,
        email: o.email,
        role,
        status: 'offline',
        disabled: false,
        connections: 0,
      });
      return operatorId;
    },
    async stop() {
      // Data kept on disk: the stream readers' pending batches (up to a minute of report counters)
      // go in before the stand-ins stop, as AWS would still deliver them.
      if (dataDir) await stream.idle().catch(() => undefined);
      await gateway.close();
      await Promise.allSettled([scheduler.stop(), eventBus.stop(), ses.stop(), cognito.stop()]);
      await stream.stop();
      await dynamo.stop();
      if (!dataDir) rmSync(scratch, { recursive: true, force: true });
    },
  };
  await stack.createOperator({ ...DEMO_OPERATOR, role: 'admin' });
  return stack;
}
