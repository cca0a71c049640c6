/**
 * cdk-nag 3 acknowledgements. cdk-nag 3 reads CDK's native `Validations.of(x).acknowledge()`
 * (an acknowledgement on a construct covers everything below it) and matches rule ids exactly:
 * a rule with several findings (IAM5) needs `AwsSolutions-IAM5[<finding>]` per finding. These
 * helpers build those ids so each acknowledgement names the one thing it accepts.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Acknowledges the AwsSolutions rule `rule` (e.g. `S1`) on `scope` and everything below it. */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/**
 * Acknowledges AwsSolutions-IAM5 for one wildcard resource ARN (a string that may hold tokens),
 * rendered exactly as cdk-nag renders it (`Resource::arn:<AWS::Partition>:...<LogicalId>/...`).
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(scope).resolve(resourceArn));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}

/** Acknowledges AwsSolutions-IAM5 for one wildcard action (e.g. `s3:GetObject*`). */
export function acknowledgeWildcardAction(scope: IConstruct, action: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
}

/** The AWS-managed policy that aws-cdk-lib's own provider functions use, as cdk-nag names it. */
export const LAMBDA_BASIC_EXECUTION_FINDING =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/**
 * Acknowledges every AwsSolutions-IAM5 finding of the IAM policies under `scope` as they stand now.
 * Meant only for policies aws-cdk-lib writes for its own providers (BucketDeployment), whose
 * statements we cannot narrow; call it after the construct has added its grants.
 */
export function acknowledgeProviderWildcards(scope: IConstruct, reason: string): void {
  const stack = Stack.of(scope);
  for (const node of scope.node.findAll()) {
    if (!(node instanceof iam.CfnPolicy)) continue;
    const document = stack.resolve(node.policyDocument) as {
      Statement?: { Effect: string; Action: string | string[]; Resource: unknown }[];
    };
    for (const statement of document.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of ([] as string[]).concat(statement.Action)) {
        if (action.includes('*')) acknowledgeWildcardAction(node, action, reason);
      }
      for (const resource of ([] as unknown[]).concat(statement.Resource)) {
        const flat = flattenCfnReference(resource);
        if (flat.includes('*')) {
          Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
        }
      }
    }
  }
}
