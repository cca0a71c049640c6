import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Name of the general GSI; its keys are `gsi1pk` / `gsi1sk`, all attributes projected (see docs/architecture.md). */
export const GSI1 = 'gsi1';
/**
 * The visitors' index: keys only (`gsi2pk` / `gsi2sk`), so the attribute writes of a page view and
 * a disconnect cost no index write; its sort key moves in 10-minute steps, not on every view.
 */
export const GSI2 = 'gsi2';

export interface ParleyDataProps {
  /**
   * Refuse DeleteTable calls (console, CLI or a replacement) until switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN (conversations are the customer's data)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Parley's single DynamoDB table (DESIGN §5): on-demand, generic `pk`/`sk` keys, one GSI,
 * TTL on `ttl` (assignments, invitation throttles, tickets, connections), point-in-time recovery,
 * encryption with the AWS-managed key, and a stream of new and old images (the visitor-stream
 * function turns item changes into coalesced console updates, report counters and hostnames).
 */
export class ParleyData extends Construct {
  /** The table. */
  readonly table: dynamodb.TableV2;
  /** Names of the table's global secondary indexes, for least-privilege grants. */
  readonly indexNames: readonly string[] = [GSI1, GSI2];

  constructor(scope: Construct, id: string, props: ParleyDataProps = {}) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      globalSecondaryIndexes: [
        {
          indexName: GSI1,
          partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
        {
          indexName: GSI2,
          partitionKey: { name: 'gsi2pk', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'gsi2sk', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        },
      ],
    });
  }
}
