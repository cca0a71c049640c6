import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ParleyData } from './data.js';
import {
  cdkEsbuildArgs,
  functionMemoryMb,
  LAMBDA_BUNDLE,
  LAMBDA_LOGGING,
  SYSTEM_LOG_LEVEL_CONTEXT,
} from './lambda-bundling.js';
import { acknowledge } from './nag.js';

/** Repository root (the folder holding package.json), resolved from this file. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folder holding one file per Lambda entry point. */
export const HANDLERS_DIR = path.join(REPO_ROOT, 'functions', 'handlers');

export interface ParleyFunctionProps {
  /** Handler file name in `functions/handlers`, without extension (e.g. `page-view`). */
  readonly entry: string;
  /** Folder the entry lives in. @default functions/handlers of this repository */
  readonly handlersDir?: string;
  /** What the function does, shown in the Lambda console. */
  readonly description?: string;
  /** @default functionMemoryMb(entry): 512 MB for what a person waits on, 256 MB for background work */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** Extra environment variables. Table, mail etc. are added by the grant helpers. */
  readonly environment?: Record<string, string>;
  /**
   * Where asynchronous invocations (EventBridge rules, Scheduler) go when the function still fails
   * after Lambda's retries; the role gets `sqs:SendMessage` on this queue only.
   * @default none (synchronous callers see the error themselves)
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * One Lambda function of Parley: a NodejsFunction bundled locally by esbuild (no Docker) to an
 * ESM file for nodejs22.x on arm64, with the AWS SDK v3 clients bundled rather than taken from the
 * runtime (pinned versions, smaller cold start with tree shaking), its own log group (one month)
 * and its own role that may write only to that log group. Every other permission is added by a
 * narrow grant helper (`grantTable`, `RealtimeApi`, `ParleyMail.grantSend`, ...).
 */
export class ParleyFunction extends Construct {
  /** The Lambda function. */
  readonly fn: NodejsFunction;
  /** The function's execution role (starts with log-writing rights only). */
  readonly role: iam.Role;
  /** The function's log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ParleyFunctionProps) {
    super(scope, id);
    const handlersDir = props.handlersDir ?? HANDLERS_DIR;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      // Operational logs with a one-month retention; they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Parley ${props.entry} function`,
    });
    // Instead of the AWS-managed AWSLambdaBasicExecutionRole (create groups and write to any log
    // group in the account), the function may create streams and put events in its own group only.
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Fn', {
      entry: path.join(handlersDir, `${props.entry}.ts`),
      handler: 'handler',
      description: props.description ?? `Parley ${props.entry}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? functionMemoryMb(props.entry),
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      // JSON logs, platform lines at WARN (no START/REPORT per invocation), Parley's own lines at
      // INFO: lib/lambda-bundling.ts (LAMBDA_LOGGING) says what each level keeps and drops.
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: systemLogLevel(this),
      applicationLogLevelV2: lambda.ApplicationLogLevel[LAMBDA_LOGGING.applicationLogLevel],
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      // No NODE_OPTIONS=--enable-source-maps: it makes Node read and parse the map at every cold
      // start (about +20 ms measured, docs/performance.md). The .map files ship beside the bundle.
      ...(props.environment ? { environment: { ...props.environment } } : {}),
      // lib/lambda-bundling.ts: the same settings bin/build-handlers.ts, the bundle-size test and
      // the benchmark use, so what is measured is what ships.
      bundling: {
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: LAMBDA_BUNDLE.sourceMap,
        sourcesContent: LAMBDA_BUNDLE.sourcesContent,
        format: LAMBDA_BUNDLE.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
        banner: LAMBDA_BUNDLE.banner,
        target: LAMBDA_BUNDLE.target,
        mainFields: [...LAMBDA_BUNDLE.mainFields],
        esbuildArgs: cdkEsbuildArgs(),
        // Bundle everything, the AWS SDK v3 clients included: versions pinned by our lock file.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
    acknowledge(
      this.fn,
      'L1',
      'nodejs22.x is the runtime DESIGN §9 pins (a supported LTS, deprecation scheduled for 2027); the code is ' +
        'also run and tested on the local Node 20, and bundles target node22. Moving to nodejs24.x is a ' +
        'one-line change here.',
    );
  }

  /** Adds an environment variable to the function. */
  addEnvironment(key: string, value: string): this {
    this.fn.addEnvironment(key, value);
    return this;
  }
}

/**
 * The system (platform) log level: LAMBDA_LOGGING's WARN, unless the context key
 * `parley:lambdaSystemLogLevel` asks for INFO or DEBUG (e.g. to read REPORT lines while sizing memory).
 */
function systemLogLevel(scope: Construct): lambda.SystemLogLevel {
  const wanted = String(scope.node.tryGetContext(SYSTEM_LOG_LEVEL_CONTEXT) ?? LAMBDA_LOGGING.systemLogLevel);
  const level = (Object.values(lambda.SystemLogLevel) as string[]).find((l) => l === wanted.toUpperCase());
  if (!level) throw new Error(`${SYSTEM_LOG_LEVEL_CONTEXT} must be DEBUG, INFO or WARN, not ${wanted}`);
  return level as lambda.SystemLogLevel;
}

/** The DynamoDB actions of each access level. Never Scan, never transactions (DESIGN §5). */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
  /** Reads, and updates of existing items (the mail function records what it sent). */
  readupdate: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
  readwrite: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
} as const;

export type TableAccess = keyof typeof TABLE_ACTIONS;

/**
 * Grants a function exactly the table access it needs and tells it where the table is
 * (`TABLE_NAME`). The statement names the table and each of its GSIs by ARN (no `index/*`
 * wildcard) and only item-level actions: no Scan, no PartiQL, no transactions, no table management.
 */
export function grantTable(fn: ParleyFunction, data: ParleyData, access: TableAccess): void {
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: { read: 'ParleyTableRead', readupdate: 'ParleyTableReadUpdate', readwrite: 'ParleyTableReadWrite' }[access],
      actions: [...TABLE_ACTIONS[access]],
      resources: [data.table.tableArn, ...data.indexNames.map((name) => `${data.table.tableArn}/index/${name}`)],
    }),
  );
  fn.addEnvironment('TABLE_NAME', data.table.tableName);
}

/** `page-view` → `PageView`, `$connect` → `Connect`: a construct id from a route key or entry. */
export function pascalId(name: string): string {
  return name
    .replace(/^\$/, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
