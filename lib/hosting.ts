import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { ParleyAuth } from './auth.js';
import { REPO_ROOT } from './function.js';
import { acknowledge, acknowledgeProviderWildcards, LAMBDA_BASIC_EXECUTION_FINDING } from './nag.js';

/**
 * Viewer headers the `/ws` behaviour forwards to the WebSocket API, most important first.
 *
 * An origin request policy may list at most 10 headers (a CloudFront quota, adjustable in Service
 * Quotas), and this wish list has 15, so by default only the first 10 are forwarded:
 * - `Sec-WebSocket-Key`, `Sec-WebSocket-Version`: CloudFront's documented minimum for a WebSocket
 *   upgrade; without them there is no connection at all.
 * - `User-Agent`: without it CloudFront sends `Amazon CloudFront`, and the operators' visitor grid
 *   loses browser and OS.
 * - `CloudFront-Viewer-Address` (the visitor's IP; API Gateway's sourceIp is the edge's) and the
 *   geo headers DESIGN §6 names: country, region, city, postal code, time zone, ASN.
 * Left out until the quota is raised (`maxForwardedHeaders` / context `parley:originRequestHeaderQuota`):
 * - `Sec-WebSocket-Protocol`: Parley's clients request no subprotocol (credentials are in the query).
 * - `Sec-WebSocket-Extensions`: API Gateway negotiates no extension (no permessage-deflate).
 * - `CloudFront-Viewer-Metro-Code` (US DMA codes only), `-Latitude`, `-Longitude` (city centroids,
 *   no better than the city the grid already shows).
 */
export const WS_FORWARDED_HEADERS: readonly string[] = [
  'Sec-WebSocket-Key',
  'Sec-WebSocket-Version',
  'User-Agent',
  'CloudFront-Viewer-Address',
  'CloudFront-Viewer-Country',
  'CloudFront-Viewer-Country-Region',
  'CloudFront-Viewer-City',
  'CloudFront-Viewer-Postal-Code',
  'CloudFront-Viewer-Time-Zone',
  'CloudFront-Viewer-ASN',
  'Sec-WebSocket-Protocol',
  'Sec-WebSocket-Extensions',
  'CloudFront-Viewer-Metro-Code',
  'CloudFront-Viewer-Latitude',
  'CloudFront-Viewer-Longitude',
];

/** The loader every page of the team's site embeds: a fixed URL, `/widget/parley.js`. */
export const WIDGET_LOADER_FILE = 'parley.js';

/**
 * Cache-Control of what the distribution serves from the bucket (browsers honour it, and so does
 * CloudFront: CachingOptimized takes the origin's max-age between its minimum of 1 s and maximum of
 * a year). Every deployment invalidates the changed paths at the edge, so a deploy reaches
 * CloudFront at once; these values decide how long a browser keeps an older copy.
 *
 * - `loader` (parley.js): its URL is fixed in every embedding page, so it cannot carry a version.
 *   One hour covers a visit (the benchmark's visitor loads 10 pages: one fetch, not 10), and after a
 *   deploy every browser has the new loader within the hour. stale-while-revalidate lets a browser
 *   whose copy is older than that (a return visit the next day) run it once while it fetches the new
 *   one in the background: the page pays no round trip, and the next page runs the new loader.
 *   Browsers without stale-while-revalidate (Safari) simply fetch again after the hour.
 * - `hashed` (esbuild chunks named `<name>-<hash>.js`, today the lazily loaded link finder): a new
 *   build gives a new name, so a cached copy can never be stale: a year, immutable.
 * - `short`: chat.js (a fixed name the loader imports, not content-hashed: `bin/build.ts` writes
 *   `entryNames: '[name]'`) and the console: five minutes, as before. Because chat.js is not
 *   versioned, a loader cached from before a deploy can import the new chat.js for up to the
 *   loader's hour: the loader/chat.js interface (widget/host.ts) must stay compatible across one
 *   deploy, or chat.js must become content-hashed (then it too can be immutable).
 */
export const WIDGET_CACHE_CONTROL = {
  loader: 'public, max-age=3600, stale-while-revalidate=86400',
  hashed: 'public, max-age=31536000, immutable',
  short: 'public, max-age=300',
} as const;

/** esbuild's `[hash]`: 8 characters of base32 (A-Z, 2-7) before the extension. */
const HASHED_FILE = /-[A-Z2-7]{8}\.[a-z]+$/;

/** Sorts the built widget's file names by cache policy (the loader, content-hashed chunks, the rest). */
export function classifyWidgetFiles(names: readonly string[]): {
  loader: string[];
  hashed: string[];
  other: string[];
} {
  const files = names.filter((n) => !n.endsWith('.map')).sort();
  return {
    loader: files.filter((n) => n === WIDGET_LOADER_FILE),
    hashed: files.filter((n) => n !== WIDGET_LOADER_FILE && HASHED_FILE.test(n)),
    other: files.filter((n) => n !== WIDGET_LOADER_FILE && !HASHED_FILE.test(n)),
  };
}

/** CloudFront's default quota of headers in one origin request policy. */
export const DEFAULT_ORIGIN_REQUEST_HEADER_QUOTA = 10;

/**
 * Viewer-request function shared by the default and `/console/*` behaviours: sends `/` and
 * `/console` to `/console/`, serves `index.html` for `/console/` and for extension-less deep
 * links (the console is a single-page app). cloudfront-js-2.0.
 */
const CONSOLE_ROUTER_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || uri === '/console') {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/console/' } } };
  }
  if (uri.indexOf('/console/') === 0) {
    if (uri.charAt(uri.length - 1) === '/') {
      request.uri = uri + 'index.html';
    } else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
      request.uri = '/console/index.html';
    }
  }
  return request;
}`;

export interface ParleyHostingProps {
  /** `{apiId}.execute-api.{region}.amazonaws.com` of the WebSocket API (stage `ws`). */
  readonly realtimeDomainName: string;
  /** `{apiId}.execute-api.{region}.amazonaws.com` of the HTTP API (`$default` stage). */
  readonly httpApiDomainName: string;
  /** The operators' user pool, written into the console's config.json. */
  readonly auth: ParleyAuth;
  /** Site id written into the console's config.json and the embed snippet. */
  readonly siteId: string;
  /** Folder with the built `widget/` and `console/`. @default <repo>/dist */
  readonly distDir?: string;
  /**
   * How many of WS_FORWARDED_HEADERS the `/ws` origin request policy forwards. Raise it together
   * with the CloudFront quota "Headers per origin request policy".
   * @default 10
   */
  readonly maxForwardedHeaders?: number;
  /** @default PriceClass.PRICE_CLASS_100 */
  readonly priceClass?: cloudfront.PriceClass;
  /** Days the access logs (S3 and CloudFront) are kept. @default 90 */
  readonly logRetentionDays?: number;
}

/**
 * Static hosting and the one public origin (DESIGN §6): a private S3 bucket behind one CloudFront
 * distribution with origin access control, serving `/widget/*` and `/console/*`, and routing
 * `/ws` to the WebSocket API and `/api/*` to the HTTP API, so the widget and the console talk to
 * their own origin and nothing is hard-coded.
 */
export class ParleyHosting extends Construct {
  /** The private bucket holding `widget/` and `console/`. */
  readonly bucket: s3.Bucket;
  /** The access-log bucket (S3 server access logs and CloudFront standard logs). */
  readonly logBucket: s3.Bucket;
  /** The distribution. */
  readonly distribution: cloudfront.Distribution;
  /** The `/ws` origin request policy. */
  readonly wsOriginRequestPolicy: cloudfront.OriginRequestPolicy;
  /** The headers `/ws` forwards (a prefix of WS_FORWARDED_HEADERS). */
  readonly wsForwardedHeaders: readonly string[];
  /** `https://<distribution domain>` */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: ParleyHostingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const distDir = props.distDir ?? path.join(REPO_ROOT, 'dist');
    const logDays = props.logRetentionDays ?? 90;

    this.logBucket = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // CloudFront standard logging writes with an ACL, so ACLs stay enabled on this bucket only.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(logDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.logBucket,
      'S1',
      'This is the access-log destination itself; logging it would need yet another bucket (or log into ' +
        'itself, which loops). Its objects expire after the retention period.',
    );

    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
      // Built assets only, re-deployed by every `cdk deploy`; kept on stack deletion like the logs.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const siteOrigin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket);
    const realtimeOrigin = new origins.HttpOrigin(props.realtimeDomainName, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    const httpApiOrigin = new origins.HttpOrigin(props.httpApiDomainName, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });

    this.wsForwardedHeaders = WS_FORWARDED_HEADERS.slice(
      0,
      props.maxForwardedHeaders ?? DEFAULT_ORIGIN_REQUEST_HEADER_QUOTA,
    );
    this.wsOriginRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'WsOriginRequest', {
      comment: 'Parley /ws: WebSocket handshake, user agent, viewer address and geo headers, all query strings',
      // role, site, vt and ticket travel in the query string (browsers cannot set WebSocket headers)
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...this.wsForwardedHeaders),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });

    const consoleHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      comment: 'Parley console: strict security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // CSP host wildcards may only lead a host (`*.example.com`), so `cognito-idp.*.amazonaws.com`
          // would be invalid: the console's own region is named instead. 'self' covers the same-origin
          // /api and /ws; `wss:` keeps browsers that do not map 'self' onto wss: working.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            `connect-src 'self' wss: https://cognito-idp.${stack.region}.${stack.urlSuffix}`,
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()', override: true },
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
        ],
      },
    });

    const consoleRouter = new cloudfront.Function(this, 'ConsoleRouter', {
      comment: 'Parley: / and /console to /console/, index.html for console paths',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(CONSOLE_ROUTER_CODE),
    });
    const consoleRouterAssociation: cloudfront.FunctionAssociation = {
      function: consoleRouter,
      eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
    };

    const wsBehavior: cloudfront.BehaviorOptions = {
      origin: realtimeOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: this.wsOriginRequestPolicy,
      compress: false,
    };

    this.distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: `Parley ${props.siteId}`,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: siteOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [consoleRouterAssociation],
      },
      additionalBehaviors: {
        // The WebSocket API reads the first path segment as the stage: `/ws` is the stage `ws`.
        '/ws': wsBehavior,
        '/ws/*': wsBehavior,
        // With caching disabled, AllViewerExceptHostHeader also forwards Authorization (the Cognito JWT).
        '/api/*': {
          origin: httpApiOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
        // Embedded by third-party sites; the lazily imported chat window is a CORS request.
        '/widget/*': {
          origin: siteOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS_AND_SECURITY_HEADERS,
        },
        '/console/*': {
          origin: siteOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: consoleHeaders,
          functionAssociations: [consoleRouterAssociation],
        },
      },
    });
    this.baseUrl = `https://${this.distribution.distributionDomainName}`;

    acknowledge(
      this.distribution,
      'CFR1',
      'Parley serves visitors of the team’s own website wherever they are; geo blocking is the site’s call.',
    );
    acknowledge(
      this.distribution,
      'CFR2',
      'No WAF web ACL by default (a fixed monthly cost per deployment); abuse is bounded by API Gateway ' +
        'stage throttling and per-connection checks. Teams can attach their own web ACL.',
    );
    acknowledge(
      this.distribution,
      'CFR4',
      'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the ' +
        'minimum TLS version; a custom domain with its own certificate (TLSv1.2_2021) is a deployment option.',
    );

    // Built assets, deployed only when `npm run build` has produced them (synth works without).
    // prune: false keeps previous chunk files, which cached loaders and open consoles still reference.
    const shortCache = [s3deploy.CacheControl.fromString(WIDGET_CACHE_CONTROL.short)];
    const widgetDir = path.join(distDir, 'widget');
    if (fs.existsSync(widgetDir)) {
      // Three copies of the same asset, one per cache policy (WIDGET_CACHE_CONTROL), each syncing
      // only its files. Order: hashed chunks first (nothing serves them until chat.js names them),
      // then chat.js and the rest (invalidating /widget/* at the edge), the loader last, so a new
      // loader never reaches a browser before what it loads.
      const files = classifyWidgetFiles(fs.readdirSync(widgetDir));
      const widgetSource = s3deploy.Source.asset(widgetDir);
      const hashed =
        files.hashed.length > 0
          ? new s3deploy.BucketDeployment(this, 'DeployWidgetHashed', {
              sources: [widgetSource],
              destinationBucket: this.bucket,
              destinationKeyPrefix: 'widget/',
              exclude: ['*'],
              include: files.hashed,
              prune: false,
              cacheControl: [s3deploy.CacheControl.fromString(WIDGET_CACHE_CONTROL.hashed)],
            })
          : undefined;
      const rest = new s3deploy.BucketDeployment(this, 'DeployWidget', {
        sources: [widgetSource],
        destinationBucket: this.bucket,
        destinationKeyPrefix: 'widget/',
        exclude: [WIDGET_LOADER_FILE, ...files.hashed],
        prune: false,
        cacheControl: shortCache,
        distribution: this.distribution,
        distributionPaths: ['/widget/*'],
      });
      if (hashed) rest.node.addDependency(hashed);
      const loader = new s3deploy.BucketDeployment(this, 'DeployWidgetLoader', {
        sources: [widgetSource],
        destinationBucket: this.bucket,
        destinationKeyPrefix: 'widget/',
        exclude: ['*'],
        include: [WIDGET_LOADER_FILE],
        prune: false,
        cacheControl: [s3deploy.CacheControl.fromString(WIDGET_CACHE_CONTROL.loader)],
        distribution: this.distribution,
        distributionPaths: [`/widget/${WIDGET_LOADER_FILE}`],
      });
      loader.node.addDependency(rest);
    }
    const consoleDir = path.join(distDir, 'console');
    const consoleConfig = {
      region: stack.region,
      userPoolId: props.auth.userPool.userPoolId,
      clientId: props.auth.client.userPoolClientId,
      cognitoEndpoint: props.auth.cognitoEndpoint,
      apiUrl: '/api',
      wsUrl: '/ws',
      siteId: props.siteId,
    };
    // One deployment (one copy, one invalidation) for the console and its generated config.json.
    new s3deploy.BucketDeployment(this, 'DeployConsole', {
      sources: [
        ...(fs.existsSync(consoleDir) ? [s3deploy.Source.asset(consoleDir)] : []),
        s3deploy.Source.jsonData('config.json', consoleConfig),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'console/',
      prune: false,
      cacheControl: shortCache,
      distribution: this.distribution,
      distributionPaths: ['/console/*'],
    });

    // BucketDeployment's provider is a stack-level singleton created by aws-cdk-lib; it runs only while
    // CloudFormation deploys, and its role and runtime are not ours to shape.
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      Validations.of(child).acknowledge({
        id: `AwsSolutions-IAM4[${LAMBDA_BASIC_EXECUTION_FINDING}]`,
        reason: 'aws-cdk-lib BucketDeployment provider: writes its own logs through AWSLambdaBasicExecutionRole.',
      });
      acknowledge(
        child,
        'L1',
        'aws-cdk-lib BucketDeployment provider: its runtime is pinned by aws-cdk-lib and upgraded with it.',
      );
      acknowledgeProviderWildcards(
        child,
        'aws-cdk-lib BucketDeployment provider: reads the CDK asset objects (s3:GetObject*/GetBucket*/List* ' +
          'on the bootstrap asset bucket), writes and prunes the site bucket (object wildcards on this bucket ' +
          'only) and creates CloudFront invalidations, which take no resource ARN (Resource::*).',
      );
    }
  }
}
