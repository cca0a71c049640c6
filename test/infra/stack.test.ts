import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ROUTES, STREAM_KEY_FILTERS, WS_ROUTES } from '../../functions/handlers/routes.js';
import { TABLE_ACTIONS } from '../../lib/function.js';
import { WS_FORWARDED_HEADERS } from '../../lib/hosting.js';
import type { ParleyStack } from '../../lib/parley-stack.js';
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

  it('has the one GSI gsi1 on gsi1pk/gsi1sk projecting all attributes', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
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
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(WS_ROUTES.map((r) => r.routeKey).sort());

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
  const allFunctions = () => [...wsFunctions(), stack.httpApi.handler, stack.visitorStream.handler];

  it('all run nodejs22.x on arm64 with source maps and their own one-month log group', () => {
    const functions = ofType('AWS::Lambda::Function').filter(([, f]) => f.Properties.Runtime?.startsWith('nodejs'));
    expect(functions.length).toBe(WS_ROUTES.length + 3); // routes + authorizer + http-api + visitor-stream
    const streamId = logicalIdOf(stack.visitorStream.handler.fn);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      // The stream function may wait on reverse DNS and many posts for a batch of 500 records.
      expect(fn.Properties.Timeout, id).toBe(id === streamId ? 30 : 10);
      expect(fn.Properties.MemorySize, id).toBe(256);
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS, id).toBe('--enable-source-maps');
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(resources[logGroupId]!.Properties.RetentionInDays, id).toBe(30);
    }
  });

  it('all know the table and the callback URL of the ws stage', () => {
    const callbackUrl = stack.resolve(stack.realtime.callbackUrl);
    expect(JSON.stringify(callbackUrl)).toMatch(/execute-api.*\/ws"/);
    for (const fn of allFunctions()) {
      const env = resources[logicalIdOf(fn.fn)]!.Properties.Environment.Variables;
      expect(env.TABLE_NAME).toEqual({ Ref: logicalIdOf(stack.data.table) });
      expect(env.WS_CALLBACK_URL).toEqual(callbackUrl);
    }
  });

  it('give the visitor-token secret only to the authorizer and page-view', () => {
    const secretId = logicalIdOf(stack.visitorTokenSecret);
    const readers = ofType('AWS::Lambda::Function')
      .filter(([, f]) => f.Properties.Environment?.Variables?.VISITOR_TOKEN_SECRET_ARN)
      .map(([id]) => id)
      .sort();
    expect(readers).toEqual(
      [
        logicalIdOf(stack.realtime.authorizerFunction.fn),
        logicalIdOf(stack.realtime.functions.get('page-view')!.fn),
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
    expect([...posters].sort()).toEqual(expected.sort());
    expect(posters.has(logicalIdOf(stack.realtime.authorizerFunction.role))).toBe(false);
    expect(posters.has(logicalIdOf(stack.httpApi.handler.role))).toBe(false);
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
      expect(actionsOf(statements[0]!).sort()).toEqual([...TABLE_ACTIONS.readwrite].sort());
      expect(statements[0]!.Resource).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/gsi1']] }]);
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
  function mapping(): Json {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    return mappings[0]![1];
  }

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

  it('lets through only the items of STREAM_KEY_FILTERS: visitor profiles, page views and chats', () => {
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
    expect(text).toContain('"prefix":"PV#"');
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

  it('lets the function read the stream of this table only (no ListStreams on *)', () => {
    const streamArn = { 'Fn::GetAtt': [logicalIdOf(stack.data.table), 'StreamArn'] };
    const streamStatements = statementsOf(logicalIdOf(stack.visitorStream.handler.role)).filter((s) =>
      actionsOf(s).some((a) => /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/.test(a)),
    );
    const actions = streamStatements.flatMap(actionsOf).sort();
    expect(actions).toEqual(
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'].sort(),
    );
    for (const statement of streamStatements) expect(statement.Resource).toEqual(streamArn);
    // No other role may read the stream.
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      if (policy.Properties.Roles[0].Ref === logicalIdOf(stack.visitorStream.handler.role)) continue;
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

  it('has a scheduler role only scheduler.amazonaws.com of this account may assume', () => {
    const role = resources[logicalIdOf(stack.scheduling.schedulerRole)]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(statementsOf(logicalIdOf(stack.scheduling.schedulerRole))).toEqual([]);
  });

  it('has an SES identity for the sender address and a configuration set', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: TEST_MAIL_FROM,
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: logicalIdOf(stack.mail.configurationSet) } },
    });
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
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
