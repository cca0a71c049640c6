/** DynamoDB Streams records as the core reads them, for both readers of the table's stream. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { profileFromImage } from '../adapters/dynamo-store.js';
import type { ChangeRecord } from '../core/grid-stream.js';

const image = (i: Record<string, unknown> | undefined) =>
  i ? unmarshall(i as Record<string, AttributeValue>) : undefined;

/** Each record's keys and images; profiles as the store reads them (open sockets from `connIds`). */
export function changeRecordsOf(event: DynamoDBStreamEvent, now: number): ChangeRecord[] {
  const read = (i: Record<string, unknown> | undefined) => {
    const img = image(i);
    return img && img.sk === 'PROFILE' ? profileFromImage<Record<string, unknown>>(img, now) : img;
  };
  return event.Records.flatMap((r) => {
    const keys = image(r.dynamodb?.Keys as Record<string, unknown> | undefined);
    if (!keys || !r.eventName) return [];
    const newImage = read(r.dynamodb?.NewImage as Record<string, unknown> | undefined);
    const oldImage = read(r.dynamodb?.OldImage as Record<string, unknown> | undefined);
    return [
      {
        eventName: r.eventName,
        pk: String(keys.pk),
        sk: String(keys.sk),
        ...(newImage ? { newImage } : {}),
        ...(oldImage ? { oldImage } : {}),
      },
    ];
  });
}

/** A batch's id: its first and last record. A retry of the batch carries the same records, hence the same id. */
export function batchIdOf(event: DynamoDBStreamEvent): string {
  const first = event.Records[0]?.eventID ?? '';
  const last = event.Records[event.Records.length - 1]?.eventID ?? '';
  return `${first}:${last}`;
}

/** Lambda's answer to a failed batch: all of it again (bisected by the event source mapping on repeated failure). */
export function retryWholeBatch(event: DynamoDBStreamEvent): { batchItemFailures: { itemIdentifier: string }[] } {
  return {
    batchItemFailures: event.Records.slice(0, 1).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
  };
}
