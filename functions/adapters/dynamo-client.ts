/** The one DynamoDB document client of a Lambda instance, created at module scope, replaceable in tests. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sdkHttpOptions } from './http-options.js';

let client: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  client ??= DynamoDBDocumentClient.from(new DynamoDBClient({ ...sdkHttpOptions() }), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return client;
}

/** For tests and the local runtime: use this client instead (e.g. one with a counting middleware). */
export function setDocumentClient(next: DynamoDBDocumentClient | undefined): void {
  client = next;
}
