/** Small DynamoDB helpers shared by the table's adapters (store, offline messages, admin). */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

/** A refused condition (by class, or by name when the error crossed a module copy). */
export const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException';

/** Epoch seconds, the unit of the table's `ttl` attribute. */
export const epochS = (ms: number) => Math.floor(ms / 1000);

export interface ConditionalUpdate {
  Key: { pk: string; sk: string };
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

/** An UpdateItem returning the new item, or undefined when its condition refused it. */
export function conditionalUpdater(db: DynamoDBDocumentClient, TableName: string) {
  return async function update(input: ConditionalUpdate): Promise<Item | undefined> {
    const { ExpressionAttributeNames: names, ...rest } = input;
    try {
      const out = await db.send(
        new UpdateCommand({
          TableName,
          ...rest,
          // DynamoDB refuses an empty map here.
          ...(names && Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  };
}
