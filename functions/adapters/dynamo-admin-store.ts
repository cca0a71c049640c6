/**
 * The AdminStore on the single table: operator records written by admins, departments
 * (`SITE#<site>#DEPTS / <id>`), and the raw items of one visitor for export and deletion (a Query
 * per partition, never a Scan).
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AdminStore, Department, RawItem } from '../core/admin-ports.js';
import type { OperatorRecord } from '../core/types.js';
import { GSI1, keys } from './dynamo-keys.js';
import { isConditionFailure } from './dynamo-kit.js';

export const departmentKey = (siteId: string, id: string) => ({ pk: `SITE#${siteId}#DEPTS`, sk: id });

export function createDynamoAdminStore(db: DynamoDBDocumentClient, TableName: string): AdminStore {
  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<RawItem[]> {
    const items: RawItem[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await db.send(
        new QueryCommand({ TableName, ...input, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }),
      );
      items.push(...((out.Items ?? []) as RawItem[]));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
  const partition = (pk: string) =>
    queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true });

  return {
    async createOperator(op) {
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: {
              ...keys.operator(op.operatorId),
              gsi1pk: keys.siteOperatorsIndex(op.siteId),
              gsi1sk: `OP#${op.operatorId}`,
              ...op,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },

    async updateOperator(operatorId, changes) {
      const set: string[] = [];
      const remove: string[] = [];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) continue;
        names[`#${k}`] = k;
        if (v === null) remove.push(`#${k}`);
        else {
          set.push(`#${k} = :${k}`);
          values[`:${k}`] = v;
        }
      }
      if (!set.length && !remove.length) return undefined;
      try {
        const out = await db.send(
          new UpdateCommand({
            TableName,
            Key: keys.operator(operatorId),
            UpdateExpression: [
              set.length ? `SET ${set.join(', ')}` : '',
              remove.length ? `REMOVE ${remove.join(', ')}` : '',
            ]
              .filter(Boolean)
              .join(' '),
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
            ReturnValues: 'ALL_NEW',
          }),
        );
        const rest = { ...out.Attributes };
        for (const k of ['pk', 'sk', 'gsi1pk', 'gsi1sk']) delete rest[k];
        return rest as unknown as OperatorRecord;
      } catch (err) {
        if (isConditionFailure(err)) return undefined;
        throw err;
      }
    },

    async departments(siteId) {
      const items = await partition(departmentKey(siteId, '').pk);
      return items.map((i) => ({ id: i.sk, name: String(i.name), silent: i.silent === true }));
    },
    async putDepartment(siteId, dept: Department, create) {
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: { ...departmentKey(siteId, dept.id), name: dept.name, silent: dept.silent },
            ...(create ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
    async deleteDepartment(siteId, id) {
      await db.send(new DeleteCommand({ TableName, Key: departmentKey(siteId, id) }));
    },

    visitorItems: (visitorId) => partition(keys.visitor(visitorId).pk),
    chatItems: (chatId) => partition(keys.chat(chatId).pk),
    visitorConnectionItems: (visitorId) =>
      queryAll({
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.visitorConnectionsIndex(visitorId) },
      }),

    async offlineMessageItems(siteId, visitorId) {
      const lists = await Promise.all(
        ['new', 'handled'].map((status) =>
          queryAll({
            IndexName: GSI1,
            KeyConditionExpression: 'gsi1pk = :pk',
            FilterExpression: 'visitorId = :v',
            ExpressionAttributeValues: { ':pk': `SITE#${siteId}#OFFMSG#${status}`, ':v': visitorId },
          }),
        ),
      );
      return lists.flat();
    },

    async visitorGuardItems(visitorId) {
      // The offline-message duplicate guards and hourly counter of this visitor (dynamo-offline-store.ts).
      const [guards, rate] = await Promise.all([
        partition(`OFFDEDUP#${visitorId}`),
        partition(`RATE#offline#visitor#${visitorId}`),
      ]);
      return [...guards, ...rate];
    },

    async deleteItems(keyList) {
      for (let i = 0; i < keyList.length; i += 25) {
        let pending = keyList.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        for (let attempt = 0; pending.length; attempt++) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending } }));
          pending = (out.UnprocessedItems?.[TableName] ?? []) as typeof pending;
          if (pending.length && attempt >= 8) throw new Error('DynamoDB kept refusing the deletes; try again');
          if (pending.length) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
        }
      }
    },
  };
}
