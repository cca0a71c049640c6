import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { createParleyApp, SYNTH_TIMEOUT_MS } from './app.js';

/**
 * cdk-nag 3 is a CDK validation plugin: findings are acknowledged in lib/ with
 * `Validations.of(construct).acknowledge({ id, reason })` (see lib/nag.ts), and whatever is left
 * is a violation, which fails the synth. The whole app is synthesized first, so aspects and lazy
 * values are final when the checks run.
 */
let report: PolicyValidationPluginReport;
let synthError: unknown;
let acknowledgements: { id: string; reason: string; path: string }[];

beforeAll(() => {
  const { app } = createParleyApp();
  // The way `cdk synth -c parley:nag=true` runs it: a validation plugin that fails the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (err) {
    synthError = err;
  }
  // The same checks again, directly, for a readable list of whatever is left.
  report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
  acknowledgements = app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, unknown>).map(([id, reason]) => ({
          // aws-cdk-lib records acknowledgements of annotation-type rules with an `Annotation::` prefix
          id: id.replace(/^annotation::/i, ''),
          reason: typeof reason === 'string' ? reason : JSON.stringify(reason),
          path: c.node.path,
        })),
      ),
  );
}, SYNTH_TIMEOUT_MS);

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning', () => {
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
    expect(synthError).toBeUndefined();
  });

  it('has a specific reason for every acknowledgement', () => {
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('acknowledges nothing that would hide a table Scan or an unscoped wildcard of our own', () => {
    const ours = acknowledgements.filter((a) => !a.path.includes('Custom::CDKBucketDeployment'));
    for (const ack of ours) {
      expect(ack.id).not.toMatch(/dynamodb|Resource::\*\]$|Action::/);
    }
  });
});
