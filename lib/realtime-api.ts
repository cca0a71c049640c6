import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  WebSocketAwsIntegration,
  WebSocketLambdaIntegration,
  WebSocketMockIntegration,
} from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  WS_AUTHORIZER_ENTRY,
  WS_INTEGRATIONS,
  WS_ROUTES,
  type WsIntegration,
  type WsRoute,
} from '../functions/handlers/routes.js';
import { requestTemplate } from '../functions/handlers/ws-integrations.js';
import type { ParleyData } from './data.js';
import { grantTable, ParleyFunction, pascalId } from './function.js';
import { acknowledge, acknowledgeWildcardResource } from './nag.js';

/** Route keys whose handler never posts to a connection (`$connect` cannot: the socket is not open yet). */
export const DEFAULT_NON_POSTING_ROUTES: readonly string[] = ['$connect'];

/** Route keys whose handler signs visitor tokens (`page-view` answers with `welcome` {visitorToken}). */
export const DEFAULT_VISITOR_TOKEN_ROUTES: readonly string[] = ['page-view'];

export interface RealtimeApiProps {
  /** The table every handler reads and writes. */
  readonly data: ParleyData;
  /** HMAC key of visitor tokens; readable by the authorizer and the token-signing routes only. */
  readonly visitorTokenSecret: secretsmanager.ISecret;
  /**
   * Stage name. CloudFront forwards the viewer path `/ws` unchanged, and API Gateway reads the
   * first path segment as the stage, so the stage is named `ws` and `/ws` lands on it.
   * @default 'ws'
   */
  readonly stageName?: string;
  /** Default route throttling, steady rate (requests per second). @default 500 */
  readonly throttleRateLimit?: number;
  /** Default route throttling, burst. @default 1000 */
  readonly throttleBurstLimit?: number;
  /** The routes and their handler files. @default WS_ROUTES from functions/handlers/routes.ts */
  readonly routes?: readonly WsRoute[];
  /**
   * Routes API Gateway serves without a Lambda (`$connect`, `$disconnect`).
   * @default WS_INTEGRATIONS from functions/handlers/routes.ts
   */
  readonly integrations?: Readonly<Record<string, WsIntegration>>;
  /** Folder of the handler files. @default functions/handlers */
  readonly handlersDir?: string;
  /** Route keys that never post to connections (no ManageConnections grant). @default ['$connect'] */
  readonly nonPostingRoutes?: readonly string[];
  /** Route keys that sign visitor tokens (read the secret). @default ['page-view'] */
  readonly visitorTokenRoutes?: readonly string[];
  /**
   * Write stage access logs to CloudWatch. WebSocket APIs can only log through the account-wide
   * API Gateway CloudWatch role (`AWS::ApiGateway::Account`); a stack must not silently take over
   * that singleton, so this is opt-in (context `parley:wsAccessLogs=true`) for accounts that have
   * the role set.
   * @default false
   */
  readonly accessLogs?: boolean;
}

/**
 * The WebSocket API (DESIGN §3): route selection on `$request.body.action`, one NodejsFunction per
 * route, a Lambda REQUEST authorizer on `$connect`, a throttled auto-deployed stage named `ws`.
 * Every function (the authorizer too: the handlers' shared config requires it) gets the table
 * (read/write) and `WS_CALLBACK_URL`; only those that post get `execute-api:ManageConnections`,
 * on this stage's `@connections/*` only.
 */
export class RealtimeApi extends Construct {
  /** The WebSocket API. */
  readonly api: apigwv2.WebSocketApi;
  /** The `ws` stage. */
  readonly stage: apigwv2.WebSocketStage;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/ws`: the management API endpoint. */
  readonly callbackUrl: string;
  /** `{apiId}.execute-api.{region}.amazonaws.com`: the origin CloudFront forwards `/ws` to. */
  readonly domainName: string;
  /** The `$connect` authorizer function. */
  readonly authorizerFunction: ParleyFunction;
  /** Every route's function, by route key. */
  readonly functions: ReadonlyMap<string, ParleyFunction>;
  /**
   * The role API Gateway's DynamoDB integrations act as: UpdateItem on the table, only on keys
   * and attributes the integrations name (`$disconnect` forgetting a socket).
   */
  readonly integrationRole: iam.Role;
  /** ARN of this stage's connections in the management API (any method on `@connections/{id}`). */
  readonly manageConnectionsArn: string;

  constructor(scope: Construct, id: string, props: RealtimeApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stageName = props.stageName ?? 'ws';
    const routes = props.routes ?? WS_ROUTES;
    const nonPosting = new Set(props.nonPostingRoutes ?? DEFAULT_NON_POSTING_ROUTES);
    const tokenRoutes = new Set(props.visitorTokenRoutes ?? DEFAULT_VISITOR_TOKEN_ROUTES);

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: `${stack.stackName}-realtime`,
      description: 'Parley visitor widget and operator console WebSocket API',
      routeSelectionExpression: '$request.body.action',
    });

    let accessLogSettings: apigwv2.IAccessLogSettings | undefined;
    if (props.accessLogs) {
      const accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      accessLogSettings = {
        destination: new apigwv2.LogGroupLogDestination(accessLogGroup),
        // No query string here: it carries visitor tokens and operator tickets.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            eventType: '$context.eventType',
            routeKey: '$context.routeKey',
            connectionId: '$context.connectionId',
            status: '$context.status',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      };
    }

    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName,
      autoDeploy: true,
      description: 'Parley WebSocket stage, reached through CloudFront at /ws',
      throttle: {
        rateLimit: props.throttleRateLimit ?? 500,
        burstLimit: props.throttleBurstLimit ?? 1000,
      },
      ...(accessLogSettings ? { accessLogSettings } : {}),
    });
    this.callbackUrl = this.stage.callbackUrl;
    this.domainName = `${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;

    this.manageConnectionsArn = stack.formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      // any method (POST to send, GET to inspect, DELETE to close) on this stage's connections
      resourceName: `${stageName}/*/@connections/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    // The authorizer runs for every connect, visitors included: its only identity source is the
    // `role` query parameter that both kinds of client always send (API Gateway refuses a connect
    // without calling the authorizer when an identity source is missing, so `ticket` or `vt`
    // cannot be listed). It consumes single-use operator tickets (DeleteItem) and verifies `vt`.
    this.authorizerFunction = new ParleyFunction(this, 'Authorizer', {
      entry: WS_AUTHORIZER_ENTRY,
      handlersDir: props.handlersDir,
      description: 'Parley $connect authorizer: operator tickets and visitor tokens',
      // The handlers' shared configuration reads it at cold start; the authorizer never posts
      // (the socket is not open yet), so it gets no ManageConnections grant.
      environment: { WS_CALLBACK_URL: this.callbackUrl },
    });
    grantTable(this.authorizerFunction, props.data, 'readwrite');
    grantVisitorTokenSecret(this.authorizerFunction, props.visitorTokenSecret);
    const authorizer = new WebSocketLambdaAuthorizer('ConnectAuthorizer', this.authorizerFunction.fn, {
      identitySource: ['route.request.querystring.role'],
    });

    const functions = new Map<string, ParleyFunction>();
    for (const route of routes) {
      const fnId = `Route${pascalId(route.entry)}`;
      const fn = new ParleyFunction(this, fnId, {
        entry: route.entry,
        handlersDir: props.handlersDir,
        description: `Parley WebSocket route ${route.routeKey}`,
        environment: { WS_CALLBACK_URL: this.callbackUrl },
      });
      grantTable(fn, props.data, 'readwrite');
      if (!nonPosting.has(route.routeKey)) this.grantManageConnections(fn);
      if (tokenRoutes.has(route.routeKey)) {
        grantVisitorTokenSecret(fn, props.visitorTokenSecret);
      }

      const integration = new WebSocketLambdaIntegration(`${fnId}Integration`, fn.fn);
      if (route.routeKey === '$connect') {
        this.api.addRoute(route.routeKey, { integration, authorizer });
      } else {
        const created = this.api.addRoute(route.routeKey, { integration });
        acknowledge(
          created,
          'APIG4',
          'A WebSocket API authorizes once, at $connect (Lambda REQUEST authorizer); API Gateway allows no ' +
            'authorizer on $disconnect, $default or message routes. Their handlers act only for the identity ' +
            'the authorizer attached to the connection.',
        );
      }
      functions.set(route.routeKey, fn);
    }
    this.functions = functions;

    // `$connect` and `$disconnect` run no Lambda: the authorizer has already decided (and recorded
    // an operator's console); a closing socket is one DynamoDB UpdateItem rendered from
    // WS_INTEGRATIONS, the same definition the local gateway executes.
    const integrations = props.integrations ?? WS_INTEGRATIONS;
    this.integrationRole = new iam.Role(this, 'IntegrationRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Parley WebSocket routes served by API Gateway itself (DynamoDB integrations)',
    });
    for (const [routeKey, definition] of Object.entries(integrations)) {
      const id = `Route${pascalId(routeKey.replace(/^\$/, ''))}`;
      let integration: WebSocketMockIntegration | WebSocketAwsIntegration;
      if (definition.kind === 'mock') {
        integration = new WebSocketMockIntegration(`${id}Integration`, {
          requestTemplates: { $default: JSON.stringify({ statusCode: 200 }) },
          templateSelectionExpression: '\\$default',
        });
      } else {
        this.integrationRole.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: `Parley${pascalId(routeKey.replace(/^\$/, ''))}`,
            actions: [`dynamodb:${definition.action}`],
            resources: [props.data.table.tableArn],
            conditions: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': definition.leadingKeys.map((k) => `${k}*`) },
              'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...definition.attributes] },
              StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
            },
          }),
        );
        integration = new WebSocketAwsIntegration(`${id}Integration`, {
          integrationUri: `arn:${stack.partition}:apigateway:${stack.region}:dynamodb:action/${definition.action}`,
          integrationMethod: apigwv2.HttpMethod.POST,
          credentialsRole: this.integrationRole,
          requestTemplates: { $default: requestTemplate(definition, props.data.table.tableName) },
          templateSelectionExpression: '\\$default',
        });
      }
      const created =
        routeKey === '$connect'
          ? this.api.addRoute(routeKey, { integration, authorizer })
          : this.api.addRoute(routeKey, { integration });
      if (routeKey !== '$connect') {
        acknowledge(
          created,
          'APIG4',
          'A WebSocket API authorizes once, at $connect (Lambda REQUEST authorizer); API Gateway allows no ' +
            'authorizer on $disconnect. Its request names only the connection the authorizer identified.',
        );
      }
    }

    if (!props.accessLogs) {
      acknowledge(
        this.stage,
        'APIG1',
        'WebSocket access logs need the account-wide API Gateway CloudWatch role, a singleton this stack ' +
          'must not take over; enable them with context parley:wsAccessLogs=true where that role exists. ' +
          'Every route function logs to its own log group.',
      );
    }
  }

  /**
   * Lets a function post to, inspect and close this stage's connections (and only those): the
   * management API's `execute-api:ManageConnections` on `@connections/*` of this API and stage.
   */
  grantManageConnections(fn: ParleyFunction): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ParleyManageConnections',
        actions: ['execute-api:ManageConnections'],
        resources: [this.manageConnectionsArn],
      }),
    );
    acknowledgeWildcardResource(
      fn,
      this.manageConnectionsArn,
      'Connection ids are only known at run time; the wildcard is limited to @connections/* of this API ' +
        'and stage, the narrowest resource execute-api:ManageConnections supports.',
    );
  }
}

/** Lets a function read the visitor-token HMAC key and tells it where the key is. */
export function grantVisitorTokenSecret(fn: ParleyFunction, secret: secretsmanager.ISecret): void {
  secret.grantRead(fn.role);
  fn.addEnvironment('VISITOR_TOKEN_SECRET_ARN', secret.secretArn);
}
