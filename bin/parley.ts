#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Synthesizes offline, without credentials
 * (environment-agnostic unless CDK_DEFAULT_ACCOUNT/REGION are set).
 *
 * Context (cdk.json or `-c key=value`):
 * - parley:mailFrom                    sender address of Parley's e-mail
 * - parley:siteId                      site id for the console and the embed snippet
 * - parley:tableDeletionProtection     'false' to allow deleting the table (default true)
 * - parley:wsAccessLogs                'true' to write WebSocket access logs (needs the account's
 *                                      API Gateway CloudWatch role)
 * - parley:originRequestHeaderQuota    raise with the CloudFront quota to forward more /ws headers
 * - parley:alarmEmail                 an address the alarm topic notifies (confirm the mail SNS sends)
 * - parley:nag                         'true' to run the cdk-nag AwsSolutions checks (a finding
 *                                      that is not acknowledged in lib/ fails the synth)
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ParleyStack } from '../lib/parley-stack.js';

const app = new App();

function context(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null ? undefined : String(value);
}

const quota = context('parley:originRequestHeaderQuota');

new ParleyStack(app, 'Parley', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  mailFrom: context('parley:mailFrom') ?? 'parley@example.com',
  siteId: context('parley:siteId') ?? 'demo',
  tableDeletionProtection: context('parley:tableDeletionProtection') !== 'false',
  wsAccessLogs: context('parley:wsAccessLogs') === 'true',
  ...(quota ? { originRequestHeaderQuota: Number(quota) } : {}),
  ...(context('parley:alarmEmail') ? { alarmEmail: context('parley:alarmEmail') } : {}),
});

if (context('parley:nag') === 'true') {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
