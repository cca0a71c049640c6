import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HTTP_API_ENTRY, HTTP_ROUTES, type HttpRoute } from '../functions/handlers/routes.js';
import type { ParleyAuth } from './auth.js';
import type { ParleyData } from './data.js';
import { grantTable, ParleyFunction } from './function.js';
import { acknowledge } from './nag.js';

/** The user-pool actions of the admin routes (functions/adapters/cognito-admin.ts). */
export const COGNITO_ADMIN_ACTIONS = [
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminRemoveUserFromGroup',
  'cognito-idp:AdminUpdateUserAttributes',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminEnableUser',
] as const;

export interface ParleyHttpApiProps {
  /** The table the operator CRUD and history read and write. */
  readonly data: ParleyData;
  /** The operators' user pool and console client: the JWT issuer and audience. */
  readonly auth: ParleyAuth;
  /** The WebSocket management endpoint (the handlers' shared configuration requires it). */
  readonly wsCallbackUrl: string;
  /** The site this deployment serves (`SITE_ID`, e.g. for WebSocket tickets). */
  readonly siteId: string;
  /** The routes. @default HTTP_ROUTES from functions/handlers/routes.ts */
  readonly routes?: readonly HttpRoute[];
  /** Folder of the handler files. @default functions/handlers */
  readonly handlersDir?: string;
  /** Stage throttling, steady rate (requests per second). @default 100 */
  readonly throttleRateLimit?: number;
  /** Stage throttling, burst. @default 200 */
  readonly throttleBurstLimit?: number;
}

/**
 * The operators' HTTP API (DESIGN §3): every route served by the one `http-api` router function;
 * routes with `auth: true` behind a Cognito JWT authorizer (issuer = the user pool, audience = the
 * console client). Reached through CloudFront at `/api/*` (same origin, so no CORS); the
 * `$default` stage keeps the paths unchanged.
 */
export class ParleyHttpApi extends Construct {
  /** The HTTP API. */
  readonly api: apigwv2.HttpApi;
  /** The `$default` stage. */
  readonly stage: apigwv2.HttpStage;
  /** The router function behind every route. */
  readonly handler: ParleyFunction;
  /** `{apiId}.execute-api.{region}.amazonaws.com`: the origin CloudFront forwards `/api/*` to. */
  readonly domainName: string;

  constructor(scope: Construct, id: string, props: ParleyHttpApiProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${stack.stackName}-http`,
      description: 'Parley operator HTTP API (CRUD, history, WebSocket tickets)',
      createDefaultStage: false,
    });

    const accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttleRateLimit ?? 100,
        burstLimit: props.throttleBurstLimit ?? 200,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latency: '$context.responseLatency',
            sub: '$context.authorizer.claims.sub',
            error: '$context.error.message',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.domainName = `${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;

    this.handler = new ParleyFunction(this, 'Router', {
      entry: HTTP_API_ENTRY,
      handlersDir: props.handlersDir,
      description: 'Parley operator HTTP API',
      environment: {
        WS_CALLBACK_URL: props.wsCallbackUrl,
        USER_POOL_ID: props.auth.userPool.userPoolId,
        SITE_ID: props.siteId,
      },
    });
    grantTable(this.handler, props.data, 'readwrite');
    // Operator administration: exactly the Cognito calls core/admin.ts makes, on this pool only.
    props.auth.userPool.grant(this.handler.fn, ...COGNITO_ADMIN_ACTIONS);

    const integration = new HttpLambdaIntegration('RouterIntegration', this.handler.fn);
    const jwt = new HttpJwtAuthorizer('CognitoJwt', props.auth.issuerUrl, {
      jwtAudience: [props.auth.client.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });
    const none = new apigwv2.HttpNoneAuthorizer();

    for (const route of props.routes ?? HTTP_ROUTES) {
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
        authorizer: route.auth ? jwt : none,
      });
      if (!route.auth && created) {
        acknowledge(
          created,
          'APIG4',
          `${route.method} ${route.path} is deliberately public (auth: false in routes.ts): it must work before sign-in.`,
        );
      }
    }
  }
}
