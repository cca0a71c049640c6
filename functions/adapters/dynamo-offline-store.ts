/**
 * Offline messages on the one table (docs/architecture.md, "Offline messages"): single-item
 * conditional writes, Queries on gsi1 for the lists, no Scan. Items:
 *   OFFMSG#<id> / META                       the message; gsi1 SITE#<site>#OFFMSG#<status> / <createdAt>#<id>
 *   OFFDEDUP#<visitorId> / <guard key>       duplicate guard (TTL: the window)
 *   RATE#<scope> / RATE                      fixed-window counter (TTL: the window's end)
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from '../core/errors.js';
import type { OfflineMessageRecord, OfflineStore } from '../core/offline-ports.js';
import type { OfflineReply } from '../protocol/index.js';
import { GSI1, pad } from './dynamo-keys.js';
import { conditionalUpdater, epochS, type Item, isConditionFailure } from './dynamo-kit.js';

export const offlineKeys = {
  message: (id: string) => ({ pk: `OFFMSG#${id}`, sk: 'META' }),
  siteIndex: (siteId: string, status: string) => `SITE#${siteId}#OFFMSG#${status}`,
  dedupe: (visitorId: string, key: string) => ({ pk: `OFFDEDUP#${visitorId}`, sk: key }),
  rate: (scope: string) => ({ pk: `RATE#${scope}`, sk: 'RATE' }),
};

/** Past its retention (TTL deletes late): absent to every read. */
const expired = (item: Item) => typeof item.ttl === 'number' && item.ttl * 1000 <= Date.now();

function toRecord(item: Item | undefined): OfflineMessageRecord | undefined {
  if (!item || expired(item)) return undefined;
  const replies = Object.values((item.replies ?? {}) as Record<string, OfflineReply>).sort((a, b) =>
    a.id < b.id ? -1 : 1,
  );
  const mailed = item.mailedTo;
  const record: OfflineMessageRecord = {
    id: String(item.id),
    siteId: String(item.siteId),
    visitorId: String(item.visitorId),
    name: String(item.name),
    email: String(item.email),
    text: String(item.text),
    ...(item.department ? { department: String(item.department) } : {}),
    ...(item.lang ? { lang: String(item.lang) } : {}),
    status: item.status === 'handled' ? 'handled' : 'new',
    createdAt: Number(item.createdAt),
    ...(item.handledBy ? { handledBy: item.handledBy as OfflineMessageRecord['handledBy'] } : {}),
    ...(item.handledAt !== undefined ? { handledAt: Number(item.handledAt) } : {}),
    ...(item.mailedAt !== undefined ? { mailedAt: Number(item.mailedAt) } : {}),
    replies,
    mailedTo: mailed instanceof Set ? [...mailed].map(String) : Array.isArray(mailed) ? mailed.map(String) : [],
  };
  return record;
}

/** Cursors are the last key of a page, checked to belong to the partition asked for. */
function encodeCursor(key: Item | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}
function decodeCursor(cursor: string, gsi1pk: string): Item {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Item;
    const fields = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];
    if (
      key &&
      typeof key === 'object' &&
      Object.keys(key).length === 4 &&
      fields.every((f) => typeof key[f] === 'string') &&
      key.gsi1pk === gsi1pk
    ) {
      return key;
    }
  } catch {
    // falls through
  }
  throw new BadRequestError('cursor: not a cursor of this list');
}

export function createDynamoOfflineStore(db: DynamoDBDocumentClient, TableName: string): OfflineStore {
  const update = conditionalUpdater(db, TableName);
  const get = async (key: { pk: string; sk: string }) =>
    (await db.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }))).Item;

  return {
    async putOfflineMessage(m) {
      const { mailedTo, replies, expiresAt, ...rest } = m;
      void mailedTo;
      void replies;
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: {
              ...offlineKeys.message(m.id),
              gsi1pk: offlineKeys.siteIndex(m.siteId, m.status),
              gsi1sk: `${pad(m.createdAt)}#${m.id}`,
              ...rest,
              replies: {},
              replyCount: 0,
              ...(expiresAt !== undefined ? { ttl: Math.floor(expiresAt / 1000) } : {}),
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

    async getOfflineMessage(id) {
      return toRecord(await get(offlineKeys.message(id)));
    },

    async listOfflineMessages({ siteId, status, limit, cursor, departments }) {
      const gsi1pk = offlineKeys.siteIndex(siteId, status);
      const names: Record<string, string> = {};
      const values: Item = { ':pk': gsi1pk };
      let filter: string | undefined;
      if (departments) {
        const list = departments.map((d, i) => {
          values[`:d${i}`] = d;
          return `:d${i}`;
        });
        names['#dept'] = 'department';
        filter = `attribute_not_exists(#dept)${list.length ? ` OR #dept IN (${list.join(', ')})` : ''}`;
      }
      const messages: OfflineMessageRecord[] = [];
      let start: Item | undefined = cursor ? decodeCursor(cursor, gsi1pk) : undefined;
      // A filter may thin a page out: keep reading until the page is full or the list ends. A page
      // is only full when every item read last passed, so the last key read is the last returned.
      do {
        const out = await db.send(
          new QueryCommand({
            TableName,
            IndexName: GSI1,
            KeyConditionExpression: 'gsi1pk = :pk',
            ...(filter ? { FilterExpression: filter, ExpressionAttributeNames: names } : {}),
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            Limit: limit - messages.length,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const it of out.Items ?? []) {
          const message = toRecord(it);
          if (message) messages.push(message);
        }
        start = out.LastEvaluatedKey;
      } while (start && messages.length < limit);
      const next = encodeCursor(start);
      return { messages, ...(next ? { next } : {}) };
    },

    async newOfflineMessages(siteId, max) {
      const found: { id: string; department?: string }[] = [];
      let start: Item | undefined;
      do {
        const out = await db.send(
          new QueryCommand({
            TableName,
            IndexName: GSI1,
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': offlineKeys.siteIndex(siteId, 'new') },
            ProjectionExpression: 'id, department',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const it of (out.Items ?? []).filter((i) => !expired(i)))
          found.push({ id: String(it.id), ...(it.department ? { department: String(it.department) } : {}) });
        start = out.LastEvaluatedKey;
      } while (start && found.length < max);
      return found.slice(0, max);
    },

    async claimOfflineDedupe(visitorId, key, messageId, now, windowMs) {
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: {
              ...offlineKeys.dedupe(visitorId, key),
              messageId,
              expiresAt: now + windowMs,
              ttl: epochS(now + windowMs) + 1,
            },
            // Absent, or past its window (TTL deletes late).
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return { claimed: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const held = await get(offlineKeys.dedupe(visitorId, key));
        return { claimed: false, messageId: String(held?.messageId ?? '') };
      }
    },

    async releaseOfflineDedupe(visitorId, key) {
      await db.send(new DeleteCommand({ TableName, Key: offlineKeys.dedupe(visitorId, key) }));
    },

    async takeRate(scope, max, windowMs, now) {
      const Key = offlineKeys.rate(scope);
      for (let attempt = 0; attempt < 2; attempt++) {
        // Within the current window and below the limit: count one more.
        const counted = await update({
          Key,
          UpdateExpression: 'ADD n :one',
          ConditionExpression: 'windowEnd > :now AND n < :max',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':max': max },
        });
        if (counted) return true;
        // No window yet, or it has ended: start a new one (only one of two racing writers does).
        try {
          await db.send(
            new PutCommand({
              TableName,
              Item: { ...Key, n: 1, windowEnd: now + windowMs, ttl: epochS(now + windowMs) + 1 },
              ConditionExpression: 'attribute_not_exists(pk) OR windowEnd <= :now',
              ExpressionAttributeValues: { ':now': now },
            }),
          );
          return max >= 1;
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
          // The window is open: either full (refused) or just started by someone else (count again).
          const item = await get(Key);
          if (item && Number(item.n) >= max && Number(item.windowEnd) > now) return false;
        }
      }
      return false;
    },

    async markOfflineHandled(id, by, at) {
      const item = await get(offlineKeys.message(id));
      if (!item || expired(item)) return undefined;
      const changed = await update({
        Key: offlineKeys.message(id),
        UpdateExpression: 'SET #status = :handled, handledBy = :by, handledAt = :at, gsi1pk = :pk',
        ConditionExpression: 'attribute_exists(pk) AND #status = :new',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':handled': 'handled',
          ':new': 'new',
          ':by': by,
          ':at': at,
          ':pk': offlineKeys.siteIndex(String(item.siteId), 'handled'),
        },
      });
      if (changed) return { changed: true, message: toRecord(changed)! };
      // Already handled (by this call's twin or a colleague): the first one stands.
      return { changed: false, message: toRecord(await get(offlineKeys.message(id)))! };
    },

    async addOfflineReply(id, reply, maxReplies) {
      const item = await get(offlineKeys.message(id));
      if (!item) return undefined;
      const out = await update({
        Key: offlineKeys.message(id),
        UpdateExpression:
          'SET replies.#r = :reply, #status = :handled, gsi1pk = :pk, handledBy = if_not_exists(handledBy, :by), handledAt = if_not_exists(handledAt, :at) ADD replyCount :one',
        ConditionExpression: 'attribute_exists(pk) AND replyCount < :max',
        ExpressionAttributeNames: { '#r': reply.id, '#status': 'status' },
        ExpressionAttributeValues: {
          ':reply': reply,
          ':handled': 'handled',
          ':pk': offlineKeys.siteIndex(String(item.siteId), 'handled'),
          ':by': reply.by,
          ':at': reply.at,
          ':one': 1,
          ':max': maxReplies,
        },
      });
      return toRecord(out);
    },

    async recordOfflineMailed(id, email) {
      await db.send(
        new UpdateCommand({
          TableName,
          Key: offlineKeys.message(id),
          UpdateExpression: 'ADD mailedTo :e',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':e': new Set([email.toLowerCase()]) },
        }),
      );
    },

    async finishOfflineMailing(id, at) {
      await update({
        Key: offlineKeys.message(id),
        UpdateExpression: 'SET mailedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(mailedAt)',
        ExpressionAttributeValues: { ':at': at },
      });
    },

    async markOfflineReplySent(id, replyId, at) {
      const out = await update({
        Key: offlineKeys.message(id),
        UpdateExpression: 'SET replies.#r.sentAt = :at',
        ConditionExpression: 'attribute_exists(replies.#r) AND attribute_not_exists(replies.#r.sentAt)',
        ExpressionAttributeNames: { '#r': replyId },
        ExpressionAttributeValues: { ':at': at },
      });
      return !!out;
    },
  };
}
