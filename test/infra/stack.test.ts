import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SOURCE } from '../../functions/adapters/event-bus.js';
import {
  EVENT_RULES,
  HTTP_ROUTES,
  REPORT_STREAM_BATCH_SIZE,
  REPORT_STREAM_WINDOW_S,
  SCHEDULE_TARGETS,
  STREAM_KEY_FILTERS,
  WS_INTEGRATIONS,
  WS_ROUTES,
} from '../../functions/handlers/routes.js';
import { TABLE_ACTIONS } from '../../lib/function.js';
import { WS_FORWARDED_HEADERS } from '../../lib/hosting.js';
import { COGNITO_ADMIN_ACTIONS } from '../../lib/http-api.js';
import type { ParleyStack } from '../../lib/parley-stack.js';
import { tableDefinition } from '../../local/dynamo.js';
import { createParleyApp, SYNTH_TIMEOUT_MS, TEST_MAIL_FROM, TEST_SITE_ID } from './app.js';

// biome-ignore lint/suspicious/noExplicitAny: the synthesized CloudFormation JSON is walked dynamically
type Json = Record<string, any>;

let stack: ParleyStack;
let template: Template;
let resources: Record<string, Json>;

beforeAll(() => {
  ({ stack } = createParleyApp());
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Json>;
}, SYNTH_TIMEOUT_MS);

function ofType(type: string): [string, Json][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function logicalIdOf(construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** Logical id of the Lambda function an API Gateway v2 Lambda integration invokes. */
function functionOfIntegration(integration: Json): string {
  const uri = JSON.stringify(integration.Properties.IntegrationUri);
  const match = /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/.exec(uri);
  if (!match?.[1]) throw new Error(`no function in ${uri}`);
  return match[1];
}

function statementsOf(roleLogicalId: string): Json[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleLogicalId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Json[]);
}

function actionsOf(statement: Json): string[] {
  return ([] as string[]).concat(statement.Action);
}

function resourcesOf(statement: Json): Json[] {
  return ([] as Json[]).concat(statement.Resource);
}

/** Logical ids of the roles whose policies grant any action matching `pattern`. */
function rolesGranting(pattern: RegExp): string[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Json[]).some((s) => actionsOf(s).some((a) => pattern.test(a))),
    )
    .flatMap(([, p]) => (p.Properties.Roles as Json[]).map((r) => r.Ref as string))
    .sort();
}

/** The environment variables of a function. */
function envOf(fn: { fn: { node: { defaultChild?: unknown } } }): Json {
  return resources[logicalIdOf(fn.fn)]!.Properties.Environment.Variables;
}

const distinct = <T>(values: T[]) => [...new Set(values)];

describe('the data table', () => {
  it('is one on-demand table keyed pk/sk with TTL on ttl, PITR and AWS-managed encryption', () => {
    expect(ofType('AWS::DynamoDB::GlobalTable')).toHaveLength(1);
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(0);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('has gsi1 (all attributes) and the keys-only visitors index gsi2, and no other: the local table’s indexes exactly', () => {
    const local = tableDefinition('parley').GlobalSecondaryIndexes!;
    expect(local.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([
      ['gsi1', 'ALL'],
      ['gsi2', 'KEYS_ONLY'],
    ]);
    const table = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'))[0] as {
      Properties: { GlobalSecondaryIndexes: unknown[] };
    };
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      local.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })),
    );
  });

  it('streams new and old images of every change', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('is retained when the stack goes away', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('the WebSocket API', () => {
  it('selects routes on $request.body.action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it('has every route of WS_ROUTES, each with its own integration and its own function', () => {
    const apiId = logicalIdOf(stack.realtime.api);
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === apiId);
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(
      [...WS_ROUTES.map((r) => r.routeKey), ...Object.keys(WS_INTEGRATIONS)].sort(),
    );

    const integrationIds = new Set<string>();
    const functionIds = new Set<string>();
    for (const route of WS_ROUTES) {
      const [, resource] = routes.find(([, r]) => r.Properties.RouteKey === route.routeKey)!;
      const target = JSON.stringify(resource.Properties.Target);
      const integrationId = /"Ref":"([A-Za-z0-9]+)"/.exec(target)?.[1];
      expect(integrationId, `${route.routeKey} target`).toBeDefined();
      const integration = resources[integrationId!]!;
      expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      const fnId = functionOfIntegration(integration);
      expect(fnId).toBe(logicalIdOf(stack.realtime.functions.get(route.routeKey)!.fn));
      integrationIds.add(integrationId!);
      functionIds.add(fnId);
    }
    expect(integrationIds.size).toBe(WS_ROUTES.length);
    expect(functionIds.size).toBe(WS_ROUTES.length);
  });

  it('connects with no Lambda but the authorizer, and disconnects with one DynamoDB UpdateItem as a least-privilege role', () => {
    const apiId = logicalIdOf(stack.realtime.api);
    const integrationOf = (routeKey: string) => {
      const [, route] = ofType('AWS::ApiGatewayV2::Route').find(
        ([, r]) => r.Properties.ApiId.Ref === apiId && r.Properties.RouteKey === routeKey,
      )!;
      return resources[/"Ref":"([A-Za-z0-9]+)"/.exec(JSON.stringify(route.Properties.Target))![1]!]!.Properties;
    };
    expect(stack.realtime.functions.has('$connect')).toBe(false);
    expect(stack.realtime.functions.has('$disconnect')).toBe(false);
    expect(integrationOf('$connect')).toMatchObject({ IntegrationType: 'MOCK' });

    const disconnect = integrationOf('$disconnect');
    const roleId = logicalIdOf(stack.realtime.integrationRole);
    expect(disconnect).toMatchObject({
      IntegrationType: 'AWS',
      IntegrationMethod: 'POST',
      CredentialsArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      TemplateSelectionExpression: '\\$default',
    });
    expect(JSON.stringify(disconnect.IntegrationUri)).toContain(':dynamodb:action/UpdateItem');
    // The VTL renders, per role, the very request the local gateway sends (ws-integrations.ts).
    const vtl = JSON.stringify(stack.resolve(disconnect.RequestTemplates.$default));
    expect(vtl).toContain('#if($context.authorizer.role == \\"operator\\")');
    expect(vtl).toContain('VIS#$context.authorizer.visitorId');
    expect(vtl).toContain('OP#$context.authorizer.operatorId');
    expect(vtl).toContain('DELETE connIds :c SET lastSeen = :t');
    expect(vtl).toContain('$context.connectedAt|$context.connectionId');
    expect(vtl).toContain(logicalIdOf(stack.data.table));

    // API Gateway assumes the role; it may only UpdateItem the table, on visitor and operator
    // keys, touching only the socket set and last-seen time, returning nothing.
    expect(resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } },
    ]);
    expect(resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
    expect(statementsOf(roleId)).toEqual([
      {
        Sid: 'ParleyDisconnect',
        Action: 'dynamodb:UpdateItem',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack.data.table), 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['VIS#*', 'OP#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'connIds', 'lastSeen'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      },
    ]);
  });

  it('has the visitor-monitoring routes', () => {
    const apiId = logicalIdOf(stack.realtime.api);
    const keys = ofType('AWS::ApiGatewayV2::Route')
      .filter(([, r]) => r.Properties.ApiId.Ref === apiId)
      .map(([, r]) => r.Properties.RouteKey);
    expect(keys).toEqual(expect.arrayContaining(['visitor-info', 'tag-visitor', 'note-visitor']));
  });

  it('guards $connect with a Lambda REQUEST authorizer whose identity source is the role query parameter', () => {
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer').filter(
      ([, a]) => a.Properties.AuthorizerType === 'REQUEST',
    );
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties.IdentitySource).toEqual(['route.request.querystring.role']);
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      logicalIdOf(stack.realtime.authorizerFunction.fn),
    );

    const connect = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === '$connect')![1];
    expect(connect.Properties.AuthorizationType).toBe('CUSTOM');
    expect(connect.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      if (route.Properties.RouteKey !== '$connect' && route.Properties.ApiId.Ref === logicalIdOf(stack.realtime.api)) {
        expect(route.Properties.AuthorizerId).toBeUndefined();
      }
    }
  });

  it('deploys automatically to a throttled stage named ws', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: logicalIdOf(stack.realtime.api) },
      StageName: 'ws',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
  });
});

describe('the functions', () => {
  const wsFunctions = () => [...stack.realtime.functions.values(), stack.realtime.authorizerFunction];
  const asyncFunctions = () => [...stack.eventHandlers.functions.values(), ...stack.scheduleTargets.functions.values()];
  const allFunctions = () => [
    ...wsFunctions(),
    stack.httpApi.handler,
    stack.visitorStream.handler,
    stack.reportStream.handler,
    ...asyncFunctions(),
  ];

  it('all run nodejs22.x on arm64 with source maps and their own one-month log group', () => {
    const functions = ofType('AWS::Lambda::Function').filter(([, f]) => f.Properties.Runtime?.startsWith('nodejs'));
    // routes + authorizer + http-api + visitor-stream + report-stream + one per event entry + one per schedule entry
    expect(functions.length).toBe(
      WS_ROUTES.length +
        4 +
        distinct(EVENT_RULES.map((r) => r.entry)).length +
        distinct(SCHEDULE_TARGETS.map((t) => t.entry)).length,
    );
    const streamId = logicalIdOf(stack.visitorStream.handler.fn);
    const reportId = logicalIdOf(stack.reportStream.handler.fn);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      // The stream function may wait on reverse DNS and many posts for a batch of 500 records.
      // The report function sums up to 1,000 records into counter writes.
      expect(fn.Properties.Timeout, id).toBe(id === streamId ? 30 : id === reportId ? 60 : 10);
      expect([256, 512], id).toContain(fn.Properties.MemorySize);
      // Source maps ship beside the bundle; --enable-source-maps would parse them at every cold start.
      expect(fn.Properties.Environment?.Variables?.NODE_OPTIONS, id).toBeUndefined();
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(resources[logGroupId]!.Properties.RetentionInDays, id).toBe(30);
    }
  });

  it('all log JSON with the platform lines at WARN (no START/REPORT per invocation) and their own at INFO', () => {
    const functions = ofType('AWS::Lambda::Function').filter(([, f]) => f.Properties.Runtime?.startsWith('nodejs'));
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      expect(fn.Properties.LoggingConfig, id).toEqual({
        LogFormat: 'JSON',
        SystemLogLevel: 'WARN',
        ApplicationLogLevel: 'INFO',
        LogGroup: { Ref: expect.any(String) },
      });
    }
    // Every Parley function, by construct (the BucketDeployment provider is aws-cdk-lib's own).
    for (const f of allFunctions())
      expect(resources[logicalIdOf(f.fn)]!.Properties.LoggingConfig.LogFormat).toBe('JSON');
  });

  it('give what a person waits on 512 MB and background work 256 MB (docs/performance.md, Memory)', () => {
    const memory = (f: { fn: { node: { defaultChild?: unknown } } }) =>
      resources[logicalIdOf(f.fn)]!.Properties.MemorySize;
    for (const f of [...wsFunctions(), stack.httpApi.handler]) expect(memory(f)).toBe(512);
    for (const f of [stack.visitorStream.handler, ...asyncFunctions()]) expect(memory(f)).toBe(256);
  });

  it('all know the table, and all but the report counters the callback URL of the ws stage', () => {
    const callbackUrl = stack.resolve(stack.realtime.callbackUrl);
    expect(JSON.stringify(callbackUrl)).toMatch(/execute-api.*\/ws"/);
    for (const fn of allFunctions()) {
      const env = resources[logicalIdOf(fn.fn)]!.Properties.Environment.Variables;
      expect(env.TABLE_NAME).toEqual({ Ref: logicalIdOf(stack.data.table) });
      // report-stream only adds to counters: it posts to no connection.
      if (fn === stack.reportStream.handler) expect(env.WS_CALLBACK_URL).toBeUndefined();
      else expect(env.WS_CALLBACK_URL).toEqual(callbackUrl);
    }
  });

  it('give the visitor-token secret only to the authorizer, page-view and the stream (welcomes of views made at connect)', () => {
    const secretId = logicalIdOf(stack.visitorTokenSecret);
    const readers = ofType('AWS::Lambda::Function')
      .filter(([, f]) => f.Properties.Environment?.Variables?.VISITOR_TOKEN_SECRET_ARN)
      .map(([id]) => id)
      .sort();
    expect(readers).toEqual(
      [
        logicalIdOf(stack.realtime.authorizerFunction.fn),
        logicalIdOf(stack.realtime.functions.get('page-view')!.fn),
        logicalIdOf(stack.visitorStream.handler.fn),
      ].sort(),
    );
    const grantees = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secretId}"`))
      .map(([, p]) => p.Properties.Roles[0].Ref)
      .sort();
    expect(grantees).toEqual(
      [
        logicalIdOf(stack.realtime.authorizerFunction.role),
        logicalIdOf(stack.realtime.functions.get('page-view')!.role),
        logicalIdOf(stack.visitorStream.handler.role),
      ].sort(),
    );
  });

  it('grant ManageConnections on the ws stage connections only, and only to functions that post', () => {
    const apiId = logicalIdOf(stack.realtime.api);
    const expectedArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          { Ref: apiId },
          '/ws/*/@connections/*',
        ],
      ],
    };
    const posters = new Set<string>();
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Json[]) {
        if (!actionsOf(statement).some((a) => a.startsWith('execute-api:'))) continue;
        expect(actionsOf(statement)).toEqual(['execute-api:ManageConnections']);
        expect(statement.Resource).toEqual(expectedArn);
        posters.add(policy.Properties.Roles[0].Ref);
      }
    }
    const expected = [...stack.realtime.functions.entries()]
      .filter(([routeKey]) => routeKey !== '$connect')
      .map(([, fn]) => logicalIdOf(fn.role));
    expected.push(logicalIdOf(stack.visitorStream.handler.role));
    // operator-presence broadcasts operator status and moves queued offers on; auto-invite invites
    expected.push(logicalIdOf(stack.scheduleTargets.functionOf('operator-presence').role));
    expected.push(logicalIdOf(stack.scheduleTargets.functionOf('auto-invite').role));
    expected.push(logicalIdOf(stack.httpApi.handler.role));
    expect([...posters].sort()).toEqual(expected.sort());
    expect(posters.has(logicalIdOf(stack.realtime.authorizerFunction.role))).toBe(false);
    // the HTTP API closes a disabled operator's consoles (DeleteConnection)
    expect(posters.has(logicalIdOf(stack.httpApi.handler.role))).toBe(true);
    expect(posters.has(logicalIdOf(stack.eventHandlers.functionOf('mail').role))).toBe(false);
  });

  it('reach the table with item-level actions on the table and its GSI only', () => {
    const tableArn = { 'Fn::GetAtt': [logicalIdOf(stack.data.table), 'Arn'] };
    const streamArn = { 'Fn::GetAtt': [logicalIdOf(stack.data.table), 'StreamArn'] };
    for (const fn of allFunctions()) {
      const statements = statementsOf(logicalIdOf(fn.role)).filter(
        (s) =>
          actionsOf(s).some((a) => a.startsWith('dynamodb:')) &&
          JSON.stringify(s.Resource) !== JSON.stringify(streamArn),
      );
      expect(statements).toHaveLength(1);
      // The mail function reads and updates only: it records what it sent, so a retried event sends
      // nothing twice. The report counters are only ever updated (ADD).
      const updatesOnly = fn === stack.eventHandlers.functionOf('mail') || fn === stack.reportStream.handler;
      const access = updatesOnly ? 'readupdate' : 'readwrite';
      expect(actionsOf(statements[0]!).sort(), fn.node.path).toEqual([...TABLE_ACTIONS[access]].sort());
      expect(statements[0]!.Resource).toEqual([
        tableArn,
        { 'Fn::Join': ['', [tableArn, '/index/gsi1']] },
        { 'Fn::Join': ['', [tableArn, '/index/gsi2']] },
      ]);
    }
  });

  it('may write only to their own log group (no AWS-managed logs:* policy)', () => {
    for (const fn of allFunctions()) {
      const role = resources[logicalIdOf(fn.role)]!;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const logs = statementsOf(logicalIdOf(fn.role)).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs).toHaveLength(1);
      expect(logs[0]!.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(fn.logGroup), 'Arn'] });
    }
  });
});

describe('the table stream', () => {
  /** The event source mapping of a function: each reader of the stream has exactly one. */
  function mapping(fn = stack.visitorStream.handler.fn): Json {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    const mine = mappings.filter(([, m]) => m.Properties.FunctionName?.Ref === logicalIdOf(fn));
    expect(mine).toHaveLength(1);
    return mine[0]![1];
  }

  it('has two readers, as many as a DynamoDB stream shard serves without throttling', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(2);
    for (const [, m] of mappings) {
      expect(m.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.data.table), 'StreamArn'] });
    }
  });

  it('feeds the report counters to report-stream: visitor profiles only, gathered for a minute, retried like the other', () => {
    expect(mapping(stack.reportStream.handler.fn).Properties).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: REPORT_STREAM_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: REPORT_STREAM_WINDOW_S,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const patterns = (
      mapping(stack.reportStream.handler.fn).Properties.FilterCriteria.Filters as { Pattern: string }[]
    ).map((f) => JSON.parse(f.Pattern));
    expect(patterns).toEqual([{ dynamodb: { Keys: { pk: { S: [{ prefix: 'VIS#' }] }, sk: { S: ['PROFILE'] } } } }]);
    // Counter items are only ever updated (ADD): no put, no delete.
    const actions = statementsOf(logicalIdOf(stack.reportStream.handler.role)).flatMap(actionsOf);
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });

  it('feeds the visitor-stream function from the table stream, newest records first', () => {
    expect(mapping().Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.data.table), 'StreamArn'] },
      FunctionName: { Ref: logicalIdOf(stack.visitorStream.handler.fn) },
      StartingPosition: 'LATEST',
    });
    expect(JSON.stringify(resources[logicalIdOf(stack.visitorStream.handler.fn)]!.Properties.Handler)).toContain(
      'handler',
    );
  });

  it('gathers up to 500 records for up to a second, one batch per shard at a time', () => {
    expect(mapping().Properties).toMatchObject({
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 1,
      ParallelizationFactor: 1,
    });
  });

  it('splits and retries a failing batch 3 times, and takes partial batch failures', () => {
    expect(mapping().Properties).toMatchObject({
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets through only the items of STREAM_KEY_FILTERS: visitor and operator profiles and chats', () => {
    const filters = mapping().Properties.FilterCriteria.Filters as { Pattern: string }[];
    expect(filters).toHaveLength(STREAM_KEY_FILTERS.length);
    const patterns = filters.map((f) => JSON.parse(f.Pattern));
    expect(patterns).toEqual(
      STREAM_KEY_FILTERS.map((rule) => ({
        dynamodb: {
          Keys: {
            pk: { S: [{ prefix: rule.pkPrefix }] },
            sk: { S: rule.sk !== undefined ? [rule.sk] : [{ prefix: rule.skPrefix }] },
          },
        },
      })),
    );
    const text = filters.map((f) => f.Pattern).join('\n');
    expect(text).toContain('"prefix":"VIS#"');
    expect(text).toContain('"prefix":"CHAT#"');
    // operator profiles: a console closing ($disconnect, no Lambda) starts the grace period here
    expect(text).toContain('"prefix":"OP#"');
    // page-view items are written by the stream itself: they must not come back to it
    expect(text).not.toContain('"prefix":"PV#"');
    expect(text).toContain('["PROFILE"]');
    expect(text).toContain('["META"]');
  });

  it('gives the function 256 MB, the table, the ws callback URL, and posting to the ws stage', () => {
    const fn = resources[logicalIdOf(stack.visitorStream.handler.fn)]!.Properties;
    expect(fn.MemorySize).toBe(256);
    expect(fn.Environment.Variables.TABLE_NAME).toEqual({ Ref: logicalIdOf(stack.data.table) });
    expect(fn.Environment.Variables.WS_CALLBACK_URL).toEqual(stack.resolve(stack.realtime.callbackUrl));
    const statements = statementsOf(logicalIdOf(stack.visitorStream.handler.role));
    expect(statements.some((s) => actionsOf(s).includes('execute-api:ManageConnections'))).toBe(true);
    expect(statements.some((s) => actionsOf(s).includes('dynamodb:UpdateItem'))).toBe(true);
  });

  it('lets its two readers read the stream of this table only (no ListStreams on *)', () => {
    const streamArn = { 'Fn::GetAtt': [logicalIdOf(stack.data.table), 'StreamArn'] };
    const readers = [stack.visitorStream.handler, stack.reportStream.handler].map((h) => logicalIdOf(h.role));
    for (const role of readers) {
      const streamStatements = statementsOf(role).filter((s) =>
        actionsOf(s).some((a) => /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/.test(a)),
      );
      const actions = streamStatements.flatMap(actionsOf).sort();
      expect(actions, role).toEqual(
        ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'].sort(),
      );
      for (const statement of streamStatements) expect(statement.Resource).toEqual(streamArn);
    }
    // No other role may read the stream.
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      if (readers.includes(policy.Properties.Roles[0].Ref)) continue;
      expect(JSON.stringify(policy.Properties.PolicyDocument), id).not.toMatch(/GetRecords|StreamArn/);
    }
  });
});

describe('IAM across the whole stack', () => {
  it('never grants Scan, dynamodb:*, transactions or PartiQL', () => {
    const forbidden =
      /^dynamodb:(\*|Scan|Transact.*|PartiQL.*|ExecuteStatement|BatchExecuteStatement|ExecuteTransaction)$/;
    const policies = ofType('AWS::IAM::Policy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [id, policy] of policies) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Json[]) {
        for (const action of actionsOf(statement)) {
          expect(forbidden.test(action), `${id} grants ${action}`).toBe(false);
          expect(action, `${id}`).not.toBe('*');
        }
      }
    }
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      expect(JSON.stringify(role.Properties.Policies ?? []), id).not.toMatch(/dynamodb:(\*|Scan|Transact)/);
    }
  });

  it('allows no `*` or `service:*` action in any policy, resource policies included', () => {
    const documents: [string, Json][] = [
      ...ofType('AWS::IAM::Policy').map(([id, p]): [string, Json] => [id, p.Properties.PolicyDocument]),
      ...ofType('AWS::IAM::Role').flatMap(([id, r]) =>
        ((r.Properties.Policies ?? []) as Json[]).map((p): [string, Json] => [id, p.PolicyDocument]),
      ),
      ...ofType('AWS::SQS::QueuePolicy').map(([id, p]): [string, Json] => [id, p.Properties.PolicyDocument]),
      ...ofType('AWS::S3::BucketPolicy').map(([id, p]): [string, Json] => [id, p.Properties.PolicyDocument]),
    ];
    for (const [id, document] of documents) {
      for (const statement of document.Statement as Json[]) {
        if (statement.Effect !== 'Allow') continue; // e.g. the TLS-only Deny on sqs:*
        for (const action of actionsOf(statement)) expect(action, id).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      }
    }
  });
});

describe('the HTTP API', () => {
  it('has every route of HTTP_ROUTES on the one http-api function, behind the JWT authorizer when auth is on', () => {
    const apiId = logicalIdOf(stack.httpApi.api);
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === apiId);
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(
      HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    const [jwtId] = ofType('AWS::ApiGatewayV2::Authorizer').find(([, a]) => a.Properties.AuthorizerType === 'JWT')!;
    const handlerId = logicalIdOf(stack.httpApi.handler.fn);
    for (const route of HTTP_ROUTES) {
      const [, resource] = routes.find(([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
      if (route.auth) {
        expect(resource.Properties.AuthorizationType).toBe('JWT');
        expect(resource.Properties.AuthorizerId).toEqual({ Ref: jwtId });
      } else {
        expect(resource.Properties.AuthorizationType).toBe('NONE');
      }
      const integrationId = /"Ref":"([A-Za-z0-9]+)"/.exec(JSON.stringify(resource.Properties.Target))![1]!;
      expect(functionOfIntegration(resources[integrationId]!)).toBe(handlerId);
    }
  });

  it('has the visitor-monitoring routes, all behind the JWT authorizer', () => {
    const apiId = logicalIdOf(stack.httpApi.api);
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === apiId);
    for (const key of [
      'GET /api/visitors/{visitorId}',
      'GET /api/reports',
      'PUT /api/me/preferences',
      'GET /api/settings',
      'PUT /api/settings',
    ]) {
      const route = routes.find(([, r]) => r.Properties.RouteKey === key);
      expect(route, key).toBeDefined();
      expect(route![1].Properties.AuthorizationType, key).toBe('JWT');
    }
  });

  it('verifies Cognito JWTs: issuer is the user pool, audience the console client', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: logicalIdOf(stack.auth.client) }],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.',
              { Ref: 'AWS::URLSuffix' },
              '/',
              { Ref: logicalIdOf(stack.auth.userPool) },
            ],
          ],
        },
      },
    });
  });

  it('serves the $default stage (paths stay /api/...) with access logs and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: logicalIdOf(stack.httpApi.api) },
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: Match.anyValue() }),
    });
  });

  it('gives the router the user pool and site id', () => {
    const env = resources[logicalIdOf(stack.httpApi.handler.fn)]!.Properties.Environment.Variables;
    expect(env.USER_POOL_ID).toEqual({ Ref: logicalIdOf(stack.auth.userPool) });
    expect(env.SITE_ID).toBe(TEST_SITE_ID);
  });
});

describe('operator sign-in', () => {
  it('is an admin-only user pool signing in by e-mail with a strong password policy', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
  });

  it('has a secretless console client allowing USER_PASSWORD_AUTH and refresh, and no OAuth flows', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayEquals(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      AllowedOAuthFlows: Match.absent(),
    });
  });

  it('lets only the HTTP API administer users, with exactly the admin actions, on the pool only', () => {
    const poolArn = { 'Fn::GetAtt': [logicalIdOf(stack.auth.userPool), 'Arn'] };
    const statements = statementsOf(logicalIdOf(stack.httpApi.handler.role)).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('cognito-idp:')),
    );
    expect(statements.flatMap(actionsOf).sort()).toEqual([...COGNITO_ADMIN_ACTIONS].sort());
    for (const s of statements) expect(s.Resource).toEqual(poolArn);
    expect(rolesGranting(/^cognito-idp:/)).toEqual([logicalIdOf(stack.httpApi.handler.role)]);
  });

  it('has the groups admin and operator', () => {
    const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName);
    expect(groups.sort()).toEqual(['admin', 'operator']);
  });
});

describe('hosting', () => {
  it('keeps the site bucket private, TLS-only, encrypted and logged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: { Ref: logicalIdOf(stack.hosting.logBucket) } }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(stack.hosting.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('serves the bucket through one distribution with origin access control', () => {
    expect(ofType('AWS::CloudFront::Distribution')).toHaveLength(1);
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    const config = ofType('AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
    const s3Origin = (config.Origins as Json[]).find((o) => o.S3OriginConfig);
    expect(s3Origin?.OriginAccessControlId).toBeDefined();
    const patterns = (config.CacheBehaviors as Json[]).map((b) => b.PathPattern);
    expect(patterns).toEqual(expect.arrayContaining(['/ws', '/ws/*', '/api/*', '/widget/*', '/console/*']));
  });

  it('routes /ws to the WebSocket API over HTTPS, uncached, forwarding the query string and the WebSocket and viewer headers', () => {
    const config = ofType('AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
    const ws = (config.CacheBehaviors as Json[]).filter((b) => /^\/ws/.test(b.PathPattern));
    expect(ws.map((b) => b.PathPattern).sort()).toEqual(['/ws', '/ws/*']);
    const origin = (config.Origins as Json[]).find((o) => o.Id === ws[0]!.TargetOriginId)!;
    expect(origin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    expect(JSON.stringify(origin.DomainName)).toContain(logicalIdOf(stack.realtime.api));
    expect(JSON.stringify(origin.DomainName)).toContain('.execute-api.');
    // the viewer path /ws reaches the stage named ws: no origin path, no rewrite
    expect(origin.OriginPath ?? '').toBe('');

    const policyId = logicalIdOf(stack.hosting.wsOriginRequestPolicy);
    for (const behavior of ws) {
      expect(behavior.OriginRequestPolicyId).toEqual({ Ref: policyId });
      expect(behavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // CachingDisabled
      expect(behavior.ViewerProtocolPolicy).toBe('https-only');
    }
    const policy = resources[policyId]!.Properties.OriginRequestPolicyConfig;
    expect(policy.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(policy.HeadersConfig.HeaderBehavior).toBe('whitelist');
    const headers = policy.HeadersConfig.Headers as string[];
    expect(headers.length).toBeLessThanOrEqual(10); // CloudFront's default quota
    expect(headers).toEqual(
      expect.arrayContaining([
        'Sec-WebSocket-Key',
        'Sec-WebSocket-Version',
        'CloudFront-Viewer-Address',
        'CloudFront-Viewer-Country',
        'CloudFront-Viewer-Country-Region',
        'CloudFront-Viewer-City',
        'CloudFront-Viewer-Postal-Code',
        'CloudFront-Viewer-Time-Zone',
        'CloudFront-Viewer-ASN',
      ]),
    );
    expect(headers).toEqual(WS_FORWARDED_HEADERS.slice(0, headers.length));
    expect(headers.map((h) => h.toLowerCase())).not.toContain('host');
  });

  it('routes /api/* to the HTTP API with all viewer headers except Host, uncached', () => {
    const config = ofType('AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
    const api = (config.CacheBehaviors as Json[]).find((b) => b.PathPattern === '/api/*')!;
    expect(api.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac'); // AllViewerExceptHostHeader
    expect(api.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['POST', 'PUT', 'DELETE']));
    const origin = (config.Origins as Json[]).find((o) => o.Id === api.TargetOriginId)!;
    expect(JSON.stringify(origin.DomainName)).toContain(logicalIdOf(stack.httpApi.api));
  });

  it('sends strict security headers with the console', () => {
    const config = ofType('AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
    const consoleBehavior = (config.CacheBehaviors as Json[]).find((b) => b.PathPattern === '/console/*')!;
    const policy = resources[consoleBehavior.ResponseHeadersPolicyId.Ref]!.Properties.ResponseHeadersPolicyConfig;
    const csp = JSON.stringify(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self' wss: https://cognito-idp.");
    expect(policy.SecurityHeadersConfig.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(
      31536000,
    );
    expect(policy.SecurityHeadersConfig.ContentTypeOptions.Override).toBe(true);
    expect(policy.SecurityHeadersConfig.ReferrerPolicy.ReferrerPolicy).toBe('no-referrer');
  });

  it('writes the console config.json with the user pool, client, endpoints and site', () => {
    const deployments = ofType('Custom::CDKBucketDeployment');
    const consoleDeployment = deployments.find(([, d]) => d.Properties.DestinationBucketKeyPrefix === 'console/');
    expect(consoleDeployment).toBeDefined();
    const markers = JSON.stringify(consoleDeployment![1].Properties.SourceMarkers);
    expect(markers).toContain(logicalIdOf(stack.auth.userPool));
    expect(markers).toContain(logicalIdOf(stack.auth.client));
  });
});

describe('scheduling and mail', () => {
  it('has an event bus and a schedule group', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
  });

  it('has a scheduler role only scheduler.amazonaws.com of this account may assume, invoking the schedule targets only', () => {
    const role = resources[logicalIdOf(stack.scheduling.schedulerRole)]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const targetArns = distinct(SCHEDULE_TARGETS.map((t) => t.entry)).map((entry) => ({
      'Fn::GetAtt': [logicalIdOf(stack.scheduleTargets.functionOf(entry).fn), 'Arn'],
    }));
    const statements = statementsOf(logicalIdOf(stack.scheduling.schedulerRole));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Action: 'lambda:InvokeFunction', Effect: 'Allow' });
    // today: operator-presence and auto-invite, nothing else (in any order)
    const resource = statements[0]!.Resource as Json[];
    expect(resource).toHaveLength(targetArns.length);
    expect(resource).toEqual(expect.arrayContaining(targetArns));
    expect(resource).toEqual(
      expect.arrayContaining(
        ['operator-presence', 'auto-invite'].map((entry) => ({
          'Fn::GetAtt': [logicalIdOf(stack.scheduleTargets.functionOf(entry).fn), 'Arn'],
        })),
      ),
    );
    expect(ofType('AWS::IAM::ManagedPolicy')).toHaveLength(0);
    expect(resources[logicalIdOf(stack.scheduling.schedulerRole)]!.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the stream (operator grace), page-view and the authorizer (a view at connect) create and delete schedules in the Parley group only, passing the scheduler role only', () => {
    const disconnect = stack.visitorStream.handler;
    const pageView = stack.realtime.functions.get('page-view')!;
    const groupName = stack.resolve(stack.scheduling.group.scheduleGroupName);
    for (const fn of [disconnect, pageView, stack.realtime.authorizerFunction]) {
      const statements = statementsOf(logicalIdOf(fn.role));

      const schedules = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
      expect(schedules).toHaveLength(1);
      expect(actionsOf(schedules[0]!).sort()).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']);
      expect(schedules[0]!.Resource).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':scheduler:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:schedule/${groupName}/*`,
          ],
        ],
      });

      const passRole = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));
      expect(passRole).toEqual([
        {
          Sid: 'ParleyPassSchedulerRole',
          Action: 'iam:PassRole',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logicalIdOf(stack.scheduling.schedulerRole), 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
    }

    // Nobody else schedules or passes roles.
    const schedulers = [
      logicalIdOf(disconnect.role),
      logicalIdOf(pageView.role),
      logicalIdOf(stack.realtime.authorizerFunction.role),
    ].sort();
    expect(rolesGranting(/^scheduler:/).sort()).toEqual(schedulers);
    expect(rolesGranting(/^iam:PassRole$/).sort()).toEqual(schedulers);
  });

  it('tells the stream, page-view and the authorizer the group, the role and every schedule target (and nobody else)', () => {
    const disconnect = stack.visitorStream.handler;
    const env = envOf(disconnect);
    expect(env.SCHEDULER_GROUP_NAME).toBe(stack.resolve(stack.scheduling.group.scheduleGroupName));
    expect(env.SCHEDULER_ROLE_ARN).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.scheduling.schedulerRole), 'Arn'] });
    // {"<target>":"<function ARN>"}: put the ARN tokens back into the joined JSON and parse it
    const join = env.SCHEDULER_TARGETS['Fn::Join'] as [string, (string | Json)[]];
    expect(join[0]).toBe('');
    const json = join[1].map((part) => (typeof part === 'string' ? part : `<${part['Fn::GetAtt'][0]}>`)).join('');
    expect(JSON.parse(json)).toEqual(
      Object.fromEntries(
        SCHEDULE_TARGETS.map((t) => [t.target, `<${logicalIdOf(stack.scheduleTargets.functionOf(t.entry).fn)}>`]),
      ),
    );
    expect(Object.keys(JSON.parse(json))).toEqual(['operator-presence', 'auto-invite']);

    const withSchedulerEnv = ofType('AWS::Lambda::Function')
      .filter(([, f]) => f.Properties.Environment?.Variables?.SCHEDULER_TARGETS !== undefined)
      .map(([id]) => id);
    expect(withSchedulerEnv.sort()).toEqual(
      [
        logicalIdOf(disconnect.fn),
        logicalIdOf(stack.realtime.functions.get('page-view')!.fn),
        logicalIdOf(stack.realtime.authorizerFunction.fn),
      ].sort(),
    );
  });

  it('gives operator-presence the table (read/write), the callback URL and posting, but no scheduling', () => {
    const presence = stack.scheduleTargets.functionOf('operator-presence');
    const env = envOf(presence);
    expect(env.TABLE_NAME).toEqual({ Ref: logicalIdOf(stack.data.table) });
    expect(env.WS_CALLBACK_URL).toEqual(stack.resolve(stack.realtime.callbackUrl));
    expect(env.SCHEDULER_GROUP_NAME).toBeUndefined();
    expect(env.SCHEDULER_TARGETS).toBeUndefined();
    const actions = statementsOf(logicalIdOf(presence.role)).flatMap(actionsOf);
    expect(actions).toContain('execute-api:ManageConnections');
    expect(actions).toEqual(expect.arrayContaining([...TABLE_ACTIONS.readwrite]));
    expect(actions.filter((a) => /^(scheduler|iam|events|ses|sqs):/.test(a))).toEqual([]);
  });

  it('lets only the transcript and leave-message routes and the HTTP API put events, with source parley on the Parley bus only', () => {
    const publishers = [
      stack.realtime.functions.get('transcript')!,
      stack.realtime.functions.get('leave-message')!,
      stack.httpApi.handler,
    ];
    const busArn = { 'Fn::GetAtt': [logicalIdOf(stack.scheduling.bus), 'Arn'] };
    for (const fn of publishers) {
      const statements = statementsOf(logicalIdOf(fn.role)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('events:')),
      );
      expect(statements, fn.node.path).toEqual([
        {
          Sid: 'ParleyPutEvents',
          Action: 'events:PutEvents',
          Effect: 'Allow',
          Resource: busArn,
          Condition: { StringEquals: { 'events:source': EVENT_SOURCE } },
        },
      ]);
      expect(envOf(fn).EVENT_BUS_NAME).toEqual({ Ref: logicalIdOf(stack.scheduling.bus) });
    }
    expect(rolesGranting(/^events:/).sort()).toEqual(publishers.map((f) => logicalIdOf(f.role)).sort());
    const withBusEnv = ofType('AWS::Lambda::Function')
      .filter(([, f]) => f.Properties.Environment?.Variables?.EVENT_BUS_NAME !== undefined)
      .map(([id]) => id);
    expect(withBusEnv.sort()).toEqual(publishers.map((f) => logicalIdOf(f.fn)).sort());
  });

  it('has an SES identity for the sender address and a configuration set', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: TEST_MAIL_FROM,
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: logicalIdOf(stack.mail.configurationSet) } },
    });
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
  });
});

describe('domain events', () => {
  const queueArn = () => ({ 'Fn::GetAtt': [logicalIdOf(stack.eventHandlers.deadLetterQueue), 'Arn'] });

  it('has one function per distinct entry of EVENT_RULES and one rule per item, on the Parley bus', () => {
    expect([...stack.eventHandlers.functions.keys()].sort()).toEqual(distinct(EVENT_RULES.map((r) => r.entry)).sort());
    const rules = ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(EVENT_RULES.length);
    for (const item of EVENT_RULES) {
      const found = rules.filter(([, r]) => r.Properties.EventPattern['detail-type']?.includes(item.detailType));
      expect(found, item.detailType).toHaveLength(1);
      const rule = found[0]![1].Properties;
      expect(rule.EventBusName).toEqual({ Ref: logicalIdOf(stack.scheduling.bus) });
      expect(rule.EventPattern).toEqual({ source: [EVENT_SOURCE], 'detail-type': [item.detailType] });
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0].Arn).toEqual({
        'Fn::GetAtt': [logicalIdOf(stack.eventHandlers.functionOf(item.entry).fn), 'Arn'],
      });
    }
  });

  it('sends transcript.requested from source parley to the mail function, retrying for 2 hours into a DLQ', () => {
    expect(EVENT_SOURCE).toBe('parley');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalIdOf(stack.scheduling.bus) },
      EventPattern: { source: ['parley'], 'detail-type': ['transcript.requested'] },
      State: 'ENABLED',
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: { 'Fn::GetAtt': [logicalIdOf(stack.eventHandlers.functionOf('mail').fn), 'Arn'] },
          DeadLetterConfig: { Arn: queueArn() },
          RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
        },
      ],
    });
  });

  it('lets only the rules invoke the event functions', () => {
    for (const [entry, fn] of stack.eventHandlers.functions) {
      const permissions = ofType('AWS::Lambda::Permission').filter(
        ([, p]) =>
          JSON.stringify(p.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(fn.fn), 'Arn'] }),
      );
      const ruleIds = EVENT_RULES.filter((r) => r.entry === entry).map((r) =>
        logicalIdOf(stack.eventHandlers.rules.get(r.detailType)!),
      );
      expect(permissions.map(([, p]) => p.Properties.Principal)).toEqual(ruleIds.map(() => 'events.amazonaws.com'));
      expect(permissions.map(([, p]) => p.Properties.SourceArn).sort()).toEqual(
        ruleIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })).sort(),
      );
    }
  });

  it('keeps failed events in an encrypted, TLS-only queue that only the rules (and the functions) may write to', () => {
    template.resourceCountIs('AWS::SQS::Queue', 1);
    const queue = resources[logicalIdOf(stack.eventHandlers.deadLetterQueue)]!.Properties;
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 3600);

    const [, policy] = ofType('AWS::SQS::QueuePolicy').find(([, p]) =>
      (p.Properties.Queues as Json[]).some((q) => q.Ref === logicalIdOf(stack.eventHandlers.deadLetterQueue)),
    )!;
    const statements = policy.Properties.PolicyDocument.Statement as Json[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sqs:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(EVENT_RULES.length);
    for (const allow of allows) {
      expect(allow.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(allow.Action).toBe('sqs:SendMessage');
      expect(allow.Resource).toEqual(queueArn());
    }
    expect(allows.map((s) => s.Condition.ArnEquals['aws:SourceArn']).sort()).toEqual(
      [...stack.eventHandlers.rules.values()].map((r) => ({ 'Fn::GetAtt': [logicalIdOf(r), 'Arn'] })).sort(),
    );
  });

  it('sends a function’s failed asynchronous invocations (after Lambda’s retries) to the same queue', () => {
    for (const fn of stack.eventHandlers.functions.values()) {
      expect(resources[logicalIdOf(fn.fn)]!.Properties.DeadLetterConfig).toEqual({ TargetArn: queueArn() });
      const sqsStatements = statementsOf(logicalIdOf(fn.role)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('sqs:')),
      );
      expect(sqsStatements).toEqual([{ Action: 'sqs:SendMessage', Effect: 'Allow', Resource: queueArn() }]);
    }
  });

  it('lets the mail function send from the Parley sender with the configuration set, and read and update the table', () => {
    const mail = stack.eventHandlers.functionOf('mail');
    const env = envOf(mail);
    expect(env.MAIL_FROM).toBe(TEST_MAIL_FROM);
    expect(env.MAIL_CONFIGURATION_SET).toEqual({ Ref: logicalIdOf(stack.mail.configurationSet) });
    expect(env.TABLE_NAME).toEqual({ Ref: logicalIdOf(stack.data.table) });
    // the handlers' shared configuration requires it; the function gets no ManageConnections
    expect(env.WS_CALLBACK_URL).toEqual(stack.resolve(stack.realtime.callbackUrl));

    const statements = statementsOf(logicalIdOf(mail.role));
    const send = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
    expect(send).toHaveLength(1);
    expect(actionsOf(send[0]!).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(send[0]!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': TEST_MAIL_FROM } });
    const sesResources = JSON.stringify(resourcesOf(send[0]!));
    expect(resourcesOf(send[0]!)).toHaveLength(2);
    expect(sesResources).toContain(`{"Ref":"${logicalIdOf(stack.mail.identity)}"}`);
    expect(sesResources).toContain(':identity/');
    expect(sesResources).toContain(`{"Ref":"${logicalIdOf(stack.mail.configurationSet)}"}`);
    expect(sesResources).toContain(':configuration-set/');

    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([...TABLE_ACTIONS.readupdate].sort());
    for (const write of ['PutItem', 'DeleteItem', 'BatchWriteItem']) {
      expect(actions).not.toContain(`dynamodb:${write}`);
    }
    expect(actions.filter((a) => /^(execute-api|events|scheduler|iam):/.test(a))).toEqual([]);
    expect(rolesGranting(/^ses:/)).toEqual([logicalIdOf(mail.role)]);
  });
});

describe('outputs', () => {
  it('give the console URL, the embed snippet, the WebSocket URLs and the ids a deployer needs', () => {
    const outputs = template.toJSON().Outputs as Record<string, Json>;
    for (const name of [
      'ConsoleUrl',
      'WidgetEmbedSnippet',
      'WebSocketUrl',
      'ExecuteApiWebSocketUrl',
      'UserPoolId',
      'UserPoolClientId',
      'TableName',
    ]) {
      expect(outputs[name], name).toBeDefined();
    }
    const cdn = logicalIdOf(stack.hosting.distribution);
    const domain = { 'Fn::GetAtt': [cdn, 'DomainName'] };
    expect(outputs.ConsoleUrl!.Value).toEqual({ 'Fn::Join': ['', ['https://', domain, '/console/']] });
    expect(outputs.WebSocketUrl!.Value).toEqual({ 'Fn::Join': ['', ['wss://', domain, '/ws']] });
    expect(outputs.WidgetEmbedSnippet!.Value).toEqual({
      'Fn::Join': [
        '',
        ['<script async src="https://', domain, `/widget/parley.js" data-site="${TEST_SITE_ID}"></script>`],
      ],
    });
  });
});
