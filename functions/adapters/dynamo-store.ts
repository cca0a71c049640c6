/**
 * The Store on one DynamoDB table. Single-item conditional writes only (no transactions: the
 * local stand-in has none, and they cost double); no Scan. TTL deletes late, so every read
 * treats an item whose `ttl` has passed as absent.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AppendResult, Clock, Store } from '../core/ports.js';
import { liveSockets, parseSocketElement } from '../core/sockets.js';
import type { ChatRecord, InvitationRecord, OperatorRecord, VisitorRecord } from '../core/types.js';
import { senderName } from '../core/views.js';
import type {
  AutoInvitationRule,
  CannedMessage,
  ChatMessage,
  ConsoleSettings,
  VisitorNote,
  WidgetSettings,
} from '../protocol/index.js';
import { GSI1, GSI2, keys, pad } from './dynamo-keys.js';
import { conditionalUpdater, epochS, type Item, isConditionFailure } from './dynamo-kit.js';

const DAY_S = 24 * 60 * 60;
/** Report counters are kept this long (they hold no personal data). */
export const REPORT_RETENTION_DAYS = 400;

/**
 * The chat's operators as one string: conditions compare it (a scalar) to make sure nobody
 * changed who holds the chat since it was read.
 */
const operatorKey = (ids: readonly string[]) => ids.join(',');

/** Table and index keys and the TTL: storage, not part of any record. */
const INDEX_KEYS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'ttl']);

/**
 * A visitor's place in the visitors index (GSI2): the 10-minute step of their latest page view.
 * Views within the same step leave the index untouched (keys only: no other attribute is in it).
 */
export const VISITOR_INDEX_STEP_MS = 10 * 60 * 1000;
const visitorIndexSk = (at: number, visitorId: string) =>
  `${pad(Math.floor(at / VISITOR_INDEX_STEP_MS) * VISITOR_INDEX_STEP_MS)}#${visitorId}`;

function stripAt<T>(item: Item | undefined, drop: string[] = [], now = Date.now()): T | undefined {
  if (!item) return undefined;
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) {
    if (INDEX_KEYS.has(k) || drop.includes(k)) continue;
    out[k] = v;
  }
  return withSockets(item, out, now) as T;
}

/**
 * A visitor's or operator's open sockets are the elements of the `connIds` string set (see
 * core/connections.ts); records carry them as `sockets` and their number as `connections`.
 */
function withSockets(item: Item, out: Item, now: number): Item {
  if (item.sk !== 'PROFILE' || !/^(VIS|OP)#/.test(String(item.pk))) return out;
  delete out.connIds;
  const sockets = liveSockets(item.connIds as Iterable<string> | undefined, now);
  out.sockets = sockets;
  out.connections = sockets.length;
  return out;
}

/** A stream image of a visitor or operator profile as the store reads it (sockets, connections). */
export function profileFromImage<T>(image: Item, now: number): T {
  const out: Item = { ...image };
  for (const k of INDEX_KEYS) delete out[k];
  return withSockets(image, out, now) as T;
}

function toChat(item: Item | undefined): ChatRecord | undefined {
  return stripAt<ChatRecord>(item, ['operatorIds', 'operatorKey', 'cmids', 'lastMessageAt', 'transcripts']);
}

function toMessage(item: Item): ChatMessage {
  const m = stripAt<ChatMessage>(item)!;
  return m;
}

export function createDynamoStore(db: DynamoDBDocumentClient, tableName: string, clock: Clock): Store {
  const TableName = tableName;
  // Sockets older than API Gateway's 2-hour limit read as closed, by this store's clock.
  const strip = <T>(item: Item | undefined, drop: string[] = []): T | undefined => stripAt<T>(item, drop, clock.now());
  const alive = (item: Item | undefined): Item | undefined => {
    if (!item) return undefined;
    const ttl = item.ttl;
    return typeof ttl === 'number' && ttl * 1000 <= clock.now() ? undefined : item;
  };

  async function get(key: { pk: string; sk: string }, consistent = true): Promise<Item | undefined> {
    const out = await db.send(new GetCommand({ TableName, Key: key, ConsistentRead: consistent }));
    return alive(out.Item);
  }

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>, max: number): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const out = await db.send(
        new QueryCommand({ TableName, ...input, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }),
      );
      for (const it of out.Items ?? []) if (alive(it)) items.push(it);
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < max);
    return items.slice(0, max);
  }

  const queryIndex = (pk: string, max: number, forward = true, skFrom?: string) =>
    queryAll(
      {
        IndexName: GSI1,
        KeyConditionExpression: skFrom ? 'gsi1pk = :pk AND gsi1sk >= :from' : 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...(skFrom ? { ':from': skFrom } : {}) },
        ScanIndexForward: forward,
        Limit: Math.min(max, 1000),
      },
      max,
    );

  /** BatchGetItem in pages of 100, retrying unprocessed keys; items past their TTL are absent. */
  async function batchGet(keyList: { pk: string; sk: string }[]): Promise<Item[]> {
    const unique = [...new Map(keyList.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
    const found: Item[] = [];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Record<string, unknown>[] = unique.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
        const out = await db.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending } } }));
        for (const it of out.Responses?.[TableName] ?? []) if (alive(it)) found.push(it);
        pending = (out.UnprocessedKeys?.[TableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        if (pending.length) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
    return found;
  }

  const update = conditionalUpdater(db, TableName);

  const store: Store = {
    async addOperatorSocket(operatorId, element) {
      // Refuses a disabled operator in the same write.
      return strip<OperatorRecord>(
        await update({
          Key: keys.operator(operatorId),
          UpdateExpression: 'ADD connIds :s',
          ConditionExpression: 'attribute_exists(pk) AND disabled <> :yes',
          ExpressionAttributeValues: { ':s': new Set([element]), ':yes': true },
        }),
      );
    },
    async forgetSockets(owner, elements) {
      if (elements.length === 0) return;
      await update({
        Key: owner.role === 'operator' ? keys.operator(owner.id) : keys.visitor(owner.id),
        UpdateExpression: 'DELETE connIds :s',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':s': new Set(elements) },
      });
    },
    async operatorConnections(siteId) {
      // The consoles are on the operators' own items: the fan-out is the site's operators Query.
      return (await store.siteOperators(siteId)).flatMap((op) =>
        (op.sockets ?? []).map((s) => ({
          connectionId: s.connectionId,
          connectedAt: s.connectedAt,
          role: 'operator' as const,
          siteId,
          operatorId: op.operatorId,
          ...(op.silent ? { silent: true } : {}),
        })),
      );
    },
    async visitorConnections(visitorId) {
      const v = await store.getVisitor(visitorId);
      return (v?.sockets ?? []).map((s) => ({
        connectionId: s.connectionId,
        connectedAt: s.connectedAt,
        role: 'visitor' as const,
        siteId: v!.siteId,
        visitorId,
      }));
    },

    async getVisitor(visitorId) {
      return strip<VisitorRecord>(await get(keys.visitor(visitorId)));
    },
    async trackPageView(input) {
      const ttl = epochS(input.at) + input.retentionDays * DAY_S;
      const changes: Item = {
        siteId: input.siteId,
        visitorId: input.visitorId,
        url: input.url,
        title: input.title,
        lastSeen: input.at,
        pageSince: input.at,
        gsi2pk: keys.siteVisitorsIndex(input.siteId),
        gsi2sk: visitorIndexSk(input.at, input.visitorId),
        ttl,
      };
      const lang = input.lang ?? input.enrichment?.lang;
      if (lang) changes.lang = lang;
      if (input.screen) changes.screen = input.screen;
      if (input.custom) changes.custom = input.custom;
      if (input.enrichment?.ip) changes.ip = input.enrichment.ip;
      if (input.enrichment?.geo) changes.geo = input.enrichment.geo;
      if (input.enrichment?.client) changes.client = input.enrichment.client;
      if (input.pushWelcome) changes.welcomeSocket = input.socket;
      if (input.pushWelcome && input.knownWelcome) changes.welcomeKnown = input.knownWelcome;
      const gapStart = input.at - input.visitGapMs;

      // One write records the view and the socket. Whether it begins a visit (a new visitor, or no
      // socket open and nothing seen for the gap) is decided by its condition, so the usual page
      // view is one request; a wrong first guess costs one refused write.
      const attempt = async (newVisit: boolean) => {
        const names: Record<string, string> = {};
        const values: Item = { ':one': 1, ':at': input.at, ':me': new Set([input.socket]), ':gap': gapStart };
        const fields: Item = { ...changes };
        // Visitors written before the keys-only visitors index sat in gsi1 (all attributes, so
        // every write to them wrote that index too): moved out on their next view.
        const removes: string[] = ['gsi1pk', 'gsi1sk'];
        if (input.pushWelcome && !input.knownWelcome) removes.push('welcomeKnown');
        if (newVisit) {
          fields.visitStart = input.at;
          for (const [field, value] of [
            ['referrer', input.visit.referrer],
            ['searchEngine', input.visit.search?.engine],
            ['searchQuery', input.visit.search?.query],
          ] as const) {
            if (value) fields[field] = value;
            else removes.push(field);
          }
        }
        const sets = Object.entries(fields).map(([k, v], i) => {
          names[`#a${i}`] = k;
          values[`:a${i}`] = v;
          return `#a${i} = :a${i}`;
        });
        sets.push('firstSeen = if_not_exists(firstSeen, :at)');
        if (!newVisit) sets.push('visitStart = if_not_exists(visitStart, :at)');
        const removed = removes.map((field, i) => {
          names[`#r${i}`] = field;
          return `#r${i}`;
        });
        try {
          const out = await db.send(
            new UpdateCommand({
              TableName,
              Key: keys.visitor(input.visitorId),
              UpdateExpression:
                `SET ${sets.join(', ')}${removed.length ? ` REMOVE ${removed.join(', ')}` : ''}` +
                ` ADD pageViews :one, connIds :me${newVisit ? ', visits :one' : ''}`,
              ConditionExpression: newVisit
                ? 'attribute_not_exists(connIds) AND (attribute_not_exists(lastSeen) OR lastSeen <= :gap)'
                : 'attribute_exists(connIds) OR lastSeen > :gap',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              // The item before: whether this socket is new, and the visitor as it was.
              ReturnValues: 'ALL_OLD',
            }),
          );
          return { old: out.Attributes, fields, removes };
        } catch (err) {
          if (isConditionFailure(err)) return undefined;
          throw err;
        }
      };
      let newVisit = input.guessNewVisit;
      let done = await attempt(newVisit);
      if (!done) {
        newVisit = !newVisit;
        done = await attempt(newVisit);
      }
      // Two writers raced across the condition (two tabs opening at once): the first guess again.
      if (!done) {
        newVisit = !newVisit;
        done = await attempt(newVisit);
      }
      if (!done) throw new Error(`page view of ${input.visitorId} kept losing races`);
      const old = alive(done.old);
      const before = strip<VisitorRecord>(old);
      const first = !(old?.connIds as Set<string> | undefined)?.has(input.socket);
      const after = {
        ...(before ?? {}),
        ...(done.fields as unknown as VisitorRecord),
        firstSeen: before?.firstSeen ?? input.at,
        visitStart: newVisit ? input.at : (before?.visitStart ?? input.at),
        pageViews: (before?.pageViews ?? 0) + 1,
        visits: (before?.visits ?? 0) + (newVisit ? 1 : 0),
        connections: (before?.connections ?? 0) + (first ? 1 : 0),
        sockets: [...(before?.sockets ?? []), ...(first ? [parseSocketElement(input.socket)!] : [])],
      } as VisitorRecord & Item;
      for (const r of done.removes) delete (after as Item)[r];
      for (const k of INDEX_KEYS) delete (after as Item)[k];
      return { ...(before ? { before } : {}), after: after as VisitorRecord, first, newVisit };
    },
    async resumeSocket(visitorId, element, at) {
      try {
        const out = await db.send(
          new UpdateCommand({
            TableName,
            Key: keys.visitor(visitorId),
            UpdateExpression: 'ADD connIds :me SET lastSeen = :at',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':me': new Set([element]), ':at': at },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return strip<VisitorRecord>(alive(out.Attributes));
      } catch (err) {
        if (isConditionFailure(err)) return undefined;
        throw err;
      }
    },
    async putPageViews(views) {
      // Written by the stream from the visitor's page-view changes: 25 to a request.
      const items = views.map((pv) => ({
        PutRequest: {
          Item: {
            ...keys.pageView(pv.visitorId, pv.at, String(pv.n)),
            siteId: pv.siteId,
            url: pv.url,
            title: pv.title,
            ...(pv.entry ? { entry: true } : {}),
            ...(pv.referrer ? { referrer: pv.referrer } : {}),
            ...(pv.prevUrl ? { prevUrl: pv.prevUrl } : {}),
            visitStart: pv.visitStart,
            at: pv.at,
            ttl: epochS(pv.at) + pv.retentionDays * DAY_S,
          },
        },
      }));
      for (let i = 0; i < items.length; i += 25) {
        let pending: typeof items = items.slice(i, i + 25);
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= 6) throw new Error(`${pending.length} page views left unprocessed`);
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending } }));
          pending = (out.UnprocessedItems?.[TableName] as typeof items | undefined) ?? [];
          if (pending.length) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
        }
      }
    },
    async recentVisitors(siteId, since, limit) {
      // The index holds keys only, by the step of the latest view: the profiles are read by key
      // (a console's hello, not a page view, pays for it), then held to `since` exactly.
      const entries = await queryAll(
        {
          IndexName: GSI2,
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk >= :from',
          ExpressionAttributeValues: {
            ':pk': keys.siteVisitorsIndex(siteId),
            ':from': visitorIndexSk(since, ''),
          },
          ScanIndexForward: false,
          Limit: Math.min(limit, 1000),
        },
        limit,
      );
      const profiles = await batchGet(entries.map((e) => ({ pk: String(e.pk), sk: String(e.sk) })));
      return profiles
        .map((i) => strip<VisitorRecord>(i)!)
        .filter((v) => v.lastSeen >= since || v.connections > 0)
        .sort((a, b) => b.lastSeen - a.lastSeen);
    },

    async getVisitors(visitorIds) {
      return (await batchGet(visitorIds.map(keys.visitor))).map((i) => strip<VisitorRecord>(i)!);
    },
    async setVisitorTag(visitorId, tag) {
      return strip<VisitorRecord>(
        await update({
          Key: keys.visitor(visitorId),
          UpdateExpression: tag ? 'SET #tag = :tag' : 'REMOVE #tag',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#tag': 'tag' },
          ...(tag ? { ExpressionAttributeValues: { ':tag': tag } } : {}),
        }),
      );
    },
    async setVisitorCustom(visitorId, custom) {
      await update({
        Key: keys.visitor(visitorId),
        UpdateExpression: 'SET custom = :c',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':c': custom },
      });
    },
    async setVisitorHostname(visitorId, ip, hostname) {
      // The address it belongs to is kept beside it: a new address needs no write to invalidate it.
      await update({
        Key: keys.visitor(visitorId),
        UpdateExpression: 'SET hostname = :h, hostIp = :ip',
        ConditionExpression: 'ip = :ip',
        ExpressionAttributeValues: { ':h': hostname, ':ip': ip },
      });
    },
    async pageViews(visitorId, limit) {
      const items = await queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :pv)',
          ExpressionAttributeValues: { ':pk': keys.visitor(visitorId).pk, ':pv': 'PV#' },
          ScanIndexForward: false,
          Limit: Math.min(limit, 1000),
        },
        limit,
      );
      return items.map((i) => ({
        url: String(i.url),
        title: String(i.title ?? ''),
        ...(i.referrer ? { referrer: String(i.referrer) } : {}),
        at: Number(i.at),
      }));
    },
    async addNote(note) {
      const visitor = await update({
        Key: keys.visitor(note.visitorId),
        UpdateExpression: 'ADD notes :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
      });
      // Retention: the note expires with the visitor's data as it stands now (the profile's TTL).
      const retention = typeof visitor?.ttl === 'number' ? { ttl: visitor.ttl } : {};
      await db.send(
        new PutCommand({ TableName, Item: { ...keys.visitorNote(note.visitorId, note.id), ...note, ...retention } }),
      );
    },
    async notes(visitorId, limit) {
      const items = await queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
          ExpressionAttributeValues: { ':pk': keys.visitor(visitorId).pk, ':n': 'NOTE#' },
          ScanIndexForward: false,
          Limit: Math.min(limit, 1000),
        },
        limit,
      );
      return items.map((i) => strip<VisitorNote>(i)!);
    },
    async visitorChats(visitorId, limit) {
      const pointers = await queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
          ExpressionAttributeValues: { ':pk': keys.visitor(visitorId).pk, ':c': 'CHAT#' },
          ScanIndexForward: false,
          Limit: Math.min(limit, 100),
        },
        limit,
      );
      const chats = await store.getChats(pointers.map((p) => String(p.chatId)));
      return chats.sort((a, b) => b.createdAt - a.createdAt);
    },
    async addReportCounts(siteId, deltas, batchId) {
      // Sum per counter item first: one write per item per batch.
      const merged = new Map<string, { day: string; key: string; url?: string; add: Map<string, number> }>();
      for (const d of deltas) {
        const id = `${d.day}#${d.key}`;
        let m = merged.get(id);
        if (!m) {
          m = { day: d.day, key: d.key, ...(d.url ? { url: d.url } : {}), add: new Map() };
          merged.set(id, m);
        }
        m.add.set(d.field, (m.add.get(d.field) ?? 0) + d.delta);
      }
      await Promise.all(
        [...merged.values()].map(async (m) => {
          const names: Record<string, string> = {};
          const values: Item = {
            ':seq': batchId,
            ':day': m.day,
            ':key': m.key,
            ':ttl': epochS(Date.parse(`${m.day}T00:00:00Z`)) + REPORT_RETENTION_DAYS * DAY_S,
          };
          const adds = [...m.add]
            .filter(([, n]) => n !== 0)
            .map(([field, n], i) => {
              names[`#f${i}`] = field;
              values[`:n${i}`] = n;
              return `#f${i} :n${i}`;
            });
          if (adds.length === 0) return;
          if (m.url) values[':url'] = m.url;
          try {
            await db.send(
              new UpdateCommand({
                TableName,
                Key: { pk: keys.reportStats(siteId), sk: `${m.day}#${m.key}` },
                UpdateExpression: `SET lastBatch = :seq, #d = :day, #k = :key, #ttl = :ttl${m.url ? ', #u = :url' : ''} ADD ${adds.join(', ')}`,
                // Lambda retries a failed batch before it moves on in the shard, so a retry finds its own
                // id here and adds nothing twice.
                ConditionExpression: 'attribute_not_exists(lastBatch) OR lastBatch <> :seq',
                ExpressionAttributeNames: {
                  ...names,
                  '#d': 'day',
                  '#k': 'key',
                  '#ttl': 'ttl',
                  ...(m.url ? { '#u': 'url' } : {}),
                },
                ExpressionAttributeValues: values,
              }),
            );
          } catch (err) {
            if (!isConditionFailure(err)) throw err;
          }
        }),
      );
    },
    async reportCounters(siteId, fromDay, toDay) {
      const items = await queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.reportStats(siteId), ':from': `${fromDay}#`, ':to': `${toDay}#~` },
        },
        100_000,
      );
      return items.map((i) => ({
        day: String(i.day),
        key: String(i.key),
        ...(i.url ? { url: String(i.url) } : {}),
        ...(typeof i.views === 'number' ? { views: i.views } : {}),
        ...(typeof i.visits === 'number' ? { visits: i.visits } : {}),
        ...(typeof i.visitors === 'number' ? { visitors: i.visitors } : {}),
        ...(typeof i.pageViews === 'number' ? { pageViews: i.pageViews } : {}),
        ...(typeof i.entries === 'number' ? { entries: i.entries } : {}),
        ...(typeof i.exits === 'number' ? { exits: i.exits } : {}),
      }));
    },

    async getOperator(operatorId) {
      return strip<OperatorRecord>(await get(keys.operator(operatorId)));
    },
    async putOperator(op) {
      // Every field but the open consoles (`connIds`, kept by the authorizer and `$disconnect`):
      // a replacing put would close them all.
      const { sockets: _s, connections: _c, ...fields } = op;
      const item: Item = {
        ...fields,
        gsi1pk: keys.siteOperatorsIndex(op.siteId),
        gsi1sk: `OP#${op.operatorId}`,
      };
      const names: Record<string, string> = {};
      const values: Item = {};
      const sets = Object.entries(item)
        .filter(([, v]) => v !== undefined)
        .map(([k, v], i) => {
          names[`#f${i}`] = k;
          values[`:f${i}`] = v;
          return `#f${i} = :f${i}`;
        });
      await db.send(
        new UpdateCommand({
          TableName,
          Key: keys.operator(op.operatorId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    },
    async ensureOperator(op) {
      // Open consoles are derived from `connIds`, never stored as fields.
      const { sockets: _s, connections: _c, ...fields } = op;
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: {
              ...keys.operator(op.operatorId),
              gsi1pk: keys.siteOperatorsIndex(op.siteId),
              gsi1sk: `OP#${op.operatorId}`,
              ...fields,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return op;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return (await store.getOperator(op.operatorId))!;
      }
    },
    async siteOperators(siteId) {
      return (await queryIndex(keys.siteOperatorsIndex(siteId), 1000)).map((i) => strip<OperatorRecord>(i)!);
    },
    async siteDepartments(siteId) {
      // The department items (dynamo-admin-store.ts writes them): one Query of the site's partition.
      const items = await queryAll(
        { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `SITE#${siteId}#DEPTS` } },
        1000,
      );
      return items.map((i) => ({ name: String(i.name), silent: i.silent === true }));
    },
    async setOperatorStatus(operatorId, status) {
      const out = await update({
        Key: keys.operator(operatorId),
        // The version orders status changes: a console ignores a broadcast older than what it knows.
        UpdateExpression: 'SET #status = :s ADD statusVersion :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':s': status, ':one': 1 },
      });
      if (!out) throw new Error(`operator ${operatorId} does not exist`);
      return strip<OperatorRecord>(out)!;
    },
    async setOperatorPreferences(operatorId, preferences, name) {
      const out = await update({
        Key: keys.operator(operatorId),
        UpdateExpression: name ? 'SET preferences = :p, #name = :n' : 'SET preferences = :p',
        ConditionExpression: 'attribute_exists(pk)',
        ...(name ? { ExpressionAttributeNames: { '#name': 'name' } } : {}),
        ExpressionAttributeValues: { ':p': preferences, ...(name ? { ':n': name } : {}) },
      });
      if (!out) throw new Error(`operator ${operatorId} does not exist`);
      return strip<OperatorRecord>(out)!;
    },

    async putTicket(ticket, operatorId, siteId, expiresAt) {
      await db.send(
        new PutCommand({
          TableName,
          Item: { ...keys.ticket(ticket), operatorId, siteId, expiresAt, ttl: epochS(expiresAt) + 1 },
        }),
      );
    },
    async consumeTicket(ticket, now) {
      const out = await db.send(new DeleteCommand({ TableName, Key: keys.ticket(ticket), ReturnValues: 'ALL_OLD' }));
      const item = out.Attributes;
      if (!item || typeof item.expiresAt !== 'number' || item.expiresAt <= now) return undefined;
      return { operatorId: String(item.operatorId), siteId: String(item.siteId) };
    },

    async getSettings(siteId) {
      const item = await get(keys.settings(siteId), false);
      return {
        ...(item?.widget ? { widget: item.widget as Partial<WidgetSettings> } : {}),
        ...(item?.console ? { console: item.console as Partial<ConsoleSettings> } : {}),
        ...(Array.isArray(item?.autoInvitations)
          ? { autoInvitations: item.autoInvitations as AutoInvitationRule[] }
          : {}),
      };
    },
    async putAutoInvitations(siteId, rules) {
      await update({
        Key: keys.settings(siteId),
        UpdateExpression: 'SET autoInvitations = :r',
        ExpressionAttributeValues: { ':r': rules },
      });
    },
    async setInvitation(visitorId, invitation, pendingSince) {
      const out = await update({
        Key: keys.visitor(visitorId),
        UpdateExpression: invitation.auto
          ? 'SET invitation = :inv, invitedAt = :at, autoInvitedAt = :at'
          : 'SET invitation = :inv, invitedAt = :at',
        ConditionExpression: invitation.auto
          ? 'attribute_exists(pk) AND attribute_not_exists(openChatId) AND (attribute_not_exists(invitation) OR invitation.outcome <> :pending OR invitation.#at < :since)'
          : 'attribute_exists(pk)',
        ...(invitation.auto ? { ExpressionAttributeNames: { '#at': 'at' } } : {}),
        ExpressionAttributeValues: {
          ':inv': invitation,
          ':at': invitation.at,
          ...(invitation.auto ? { ':pending': 'pending', ':since': pendingSince } : {}),
        },
      });
      return out !== undefined;
    },
    async resolveInvitation(visitorId, inviteId, outcome) {
      const out = await update({
        Key: keys.visitor(visitorId),
        UpdateExpression: 'SET invitation.outcome = :outcome',
        ConditionExpression: 'invitation.inviteId = :id AND invitation.outcome = :pending',
        ExpressionAttributeValues: { ':outcome': outcome, ':id': inviteId, ':pending': 'pending' },
      });
      return out?.invitation as InvitationRecord | undefined;
    },
    async takeAutoInviteThrottle(visitorId, now, windowMs) {
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: { ...keys.autoInviteThrottle(visitorId), expiresAt: now + windowMs, ttl: epochS(now + windowMs) + 1 },
            // Absent, or present but past its expiry (TTL deletes late): either way it may be taken.
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
    async putConsoleSettings(siteId, settings) {
      await update({
        Key: keys.settings(siteId),
        UpdateExpression: 'SET #console = :c',
        ExpressionAttributeNames: { '#console': 'console' },
        ExpressionAttributeValues: { ':c': settings },
      });
    },
    async putWidgetSettings(siteId, widget) {
      await update({
        Key: keys.settings(siteId),
        UpdateExpression: 'SET #widget = :w',
        ExpressionAttributeNames: { '#widget': 'widget' },
        ExpressionAttributeValues: { ':w': widget },
      });
    },

    async createChat(chat) {
      // The visitor's open-chat pointer is the lock: one open chat per visitor.
      const current = await store.getVisitor(chat.visitorId);
      if (current?.openChatId) {
        const open = await store.getChat(current.openChatId);
        if (open && open.status !== 'ended') return { created: false, openChatId: open.chatId };
      }
      const claimed = await update({
        Key: keys.visitor(chat.visitorId),
        UpdateExpression: 'SET openChatId = :id, #name = :name, lastChatAt = :at',
        ConditionExpression: current?.openChatId
          ? 'openChatId = :stale'
          : 'attribute_exists(pk) AND attribute_not_exists(openChatId)',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: {
          ':id': chat.chatId,
          ':name': chat.visitorName,
          ':at': chat.createdAt,
          ...(current?.openChatId ? { ':stale': current.openChatId } : {}),
        },
      });
      if (!claimed) {
        const again = await store.getVisitor(chat.visitorId);
        if (again?.openChatId) return { created: false, openChatId: again.openChatId };
        throw new Error('visitor record missing while creating a chat');
      }
      // Retention: the chat, its pointer and its messages expire with the visitor's data as it
      // stands when the chat begins (the profile's TTL: last seen + the site's retentionDays).
      const retention = typeof claimed.ttl === 'number' ? { ttl: claimed.ttl } : {};
      await db.send(
        new PutCommand({
          TableName,
          Item: {
            ...keys.chat(chat.chatId),
            gsi1pk: keys.siteChatsIndex(chat.siteId, chat.status),
            gsi1sk: `${pad(chat.createdAt)}#${chat.chatId}`,
            ...chat,
            operatorIds: chat.operators.map((o) => o.id),
            operatorKey: operatorKey(chat.operators.map((o) => o.id)),
            cmids: {},
            ...retention,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      // The visitor's chat history (previous chats in the info panel).
      await db.send(
        new PutCommand({
          TableName,
          Item: {
            ...keys.visitorChat(chat.visitorId, chat.createdAt, chat.chatId),
            chatId: chat.chatId,
            at: chat.createdAt,
            ...retention,
          },
        }),
      );
      return { created: true, chat };
    },
    async getChat(chatId) {
      return toChat(await get(keys.chat(chatId)));
    },
    async getChats(chatIds) {
      return (await batchGet(chatIds.map(keys.chat))).map((i) => toChat(i)!);
    },
    async chatsByStatus(siteId, status, limit) {
      return (await queryIndex(keys.siteChatsIndex(siteId, status), limit)).map((i) => toChat(i)!);
    },
    async claimChat(chatId, operator, at) {
      const chat = await store.getChat(chatId);
      if (!chat) return undefined;
      const out = await update({
        Key: keys.chat(chatId),
        UpdateExpression:
          'SET #status = :active, operators = :ops, operatorIds = :ids, operatorKey = :key, acceptedAt = :at, gsi1pk = :gpk REMOVE offeredTo, assignedOperatorId',
        ConditionExpression: '#status = :queued',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':active': 'active',
          ':queued': 'queued',
          ':ops': [{ id: operator.id, name: operator.name }],
          ':ids': [operator.id],
          ':key': operatorKey([operator.id]),
          ':at': at,
          ':gpk': keys.siteChatsIndex(chat.siteId, 'active'),
        },
      });
      return toChat(out);
    },
    async endChat(chatId, endedBy, at) {
      const chat = await store.getChat(chatId);
      if (!chat) return undefined;
      const out = await update({
        Key: keys.chat(chatId),
        UpdateExpression: 'SET #status = :ended, endedAt = :at, endedBy = :by, gsi1pk = :gpk, gsi1sk = :gsk',
        ConditionExpression: '#status <> :ended',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':ended': 'ended',
          ':at': at,
          ':by': endedBy,
          ':gpk': keys.siteChatsIndex(chat.siteId, 'ended'),
          ':gsk': `${pad(at)}#${chatId}`,
        },
      });
      if (!out) return undefined;
      // Release the visitor's pointer only if it still names this chat.
      await update({
        Key: keys.visitor(chat.visitorId),
        UpdateExpression: 'REMOVE openChatId',
        ConditionExpression: 'openChatId = :id',
        ExpressionAttributeValues: { ':id': chatId },
      });
      return toChat(out);
    },
    async declineChat(chatId, operatorId) {
      await update({
        Key: keys.chat(chatId),
        UpdateExpression: 'SET declinedBy = list_append(declinedBy, :op)',
        ConditionExpression: 'attribute_exists(pk) AND NOT contains(declinedBy, :id)',
        ExpressionAttributeValues: { ':op': [operatorId], ':id': operatorId },
      });
    },
    async attachConnections(chatId, conns) {
      const entries = Object.entries(conns);
      if (entries.length === 0) return;
      const names: Record<string, string> = {};
      const values: Item = {};
      const sets = entries.map(([id, who], i) => {
        names[`#c${i}`] = id;
        values[`:w${i}`] = who;
        return `conns.#c${i} = :w${i}`;
      });
      await update({
        Key: keys.chat(chatId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    },
    async detachConnections(chatId, connectionIds) {
      if (connectionIds.length === 0) return;
      const names: Record<string, string> = {};
      const removes = connectionIds.map((id, i) => {
        names[`#c${i}`] = id;
        return `conns.#c${i}`;
      });
      await update({
        Key: keys.chat(chatId),
        UpdateExpression: `REMOVE ${removes.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
      });
    },

    async appendMessage(input): Promise<AppendResult> {
      const names: Record<string, string> = { '#status': 'status' };
      const values: Item = { ':one': 1, ':at': input.at };
      const conditions = ['attribute_exists(pk)'];
      const sets = ['seq = seq + :one', 'lastMessageAt = :at'];
      if (input.from.kind !== 'system') {
        sets.push('lastFrom = :from');
        values[':from'] = input.from.kind;
      }
      if (input.guard.kind === 'visitor') {
        conditions.push('visitorId = :vid', '#status <> :ended');
        values[':vid'] = input.guard.visitorId;
        values[':ended'] = 'ended';
      } else if (input.guard.kind === 'operator') {
        conditions.push('contains(operatorIds, :opid)', '#status = :active');
        values[':opid'] = input.guard.operatorId;
        values[':active'] = 'active';
      } else {
        delete names['#status'];
      }
      if (input.clientMsgId) {
        names['#cm'] = input.clientMsgId;
        values[':mid'] = input.id;
        conditions.push('attribute_not_exists(cmids.#cm)');
        sets.push('cmids.#cm = :mid');
      }
      const after = await update({
        Key: keys.chat(input.chatId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
      if (!after) return explainRefusal(input);
      const chat = toChat(after)!;
      const message: ChatMessage = {
        chatId: input.chatId,
        seq: Number(after.seq),
        id: input.id,
        ...(input.clientMsgId ? { clientMsgId: input.clientMsgId } : {}),
        from: { ...input.from, name: senderName(chat, input.from) },
        text: input.text,
        at: input.at,
      };
      // A message expires with its chat (retention).
      const retention = typeof after.ttl === 'number' ? { ttl: after.ttl } : {};
      await db.send(
        new PutCommand({ TableName, Item: { ...keys.message(input.chatId, message.seq), ...message, ...retention } }),
      );
      return { ok: true, message, chat };
    },
    async reserveChatSlot(operatorId, max) {
      const out = await update({
        Key: keys.operator(operatorId),
        UpdateExpression: 'ADD activeChats :one',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(activeChats) OR activeChats < :max)',
        ExpressionAttributeValues: { ':one': 1, ':max': max },
      });
      return out !== undefined;
    },
    async releaseChatSlot(operatorId) {
      await update({
        Key: keys.operator(operatorId),
        UpdateExpression: 'ADD activeChats :minus',
        ConditionExpression: 'activeChats > :zero',
        ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
      });
    },
    async getAssignment(visitorId, now) {
      const item = await get(keys.assignment(visitorId));
      if (!item || typeof item.expiresAt !== 'number' || item.expiresAt <= now) return undefined;
      return { visitorId, operatorId: String(item.operatorId), expiresAt: item.expiresAt };
    },
    async putAssignment(a) {
      await db.send(
        new PutCommand({
          TableName,
          Item: { ...keys.assignment(a.visitorId), ...a, ttl: epochS(a.expiresAt) + 1 },
        }),
      );
    },
    async deleteAssignment(visitorId, operatorId) {
      try {
        await db.send(
          new DeleteCommand({
            TableName,
            Key: keys.assignment(visitorId),
            ...(operatorId
              ? { ConditionExpression: 'operatorId = :op', ExpressionAttributeValues: { ':op': operatorId } }
              : {}),
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    },
    async setOffers(chatId, offeredTo, assignedOperatorId) {
      return toChat(
        await update({
          Key: keys.chat(chatId),
          UpdateExpression:
            assignedOperatorId === undefined
              ? 'SET offeredTo = :o'
              : assignedOperatorId === null
                ? 'SET offeredTo = :o REMOVE assignedOperatorId'
                : 'SET offeredTo = :o, assignedOperatorId = :a',
          ConditionExpression: '#status = :queued',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':o': offeredTo,
            ':queued': 'queued',
            ...(assignedOperatorId ? { ':a': assignedOperatorId } : {}),
          },
        }),
      );
    },
    async requeueChat(chatId, expectedOperatorIds, department, offeredTo) {
      const chat = await store.getChat(chatId);
      if (!chat) return undefined;
      return toChat(
        await update({
          Key: keys.chat(chatId),
          UpdateExpression:
            'SET #status = :queued, operators = :none, operatorIds = :none, operatorKey = :nokey, department = :dept, offeredTo = :o, gsi1pk = :gpk, declinedBy = :none REMOVE onHold, addedOperator, assignedOperatorId',
          ConditionExpression: '#status = :active AND operatorKey = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':queued': 'queued',
            ':active': 'active',
            ':none': [],
            ':dept': department,
            ':o': offeredTo,
            ':nokey': '',
            ':expected': operatorKey(expectedOperatorIds),
            ':gpk': keys.siteChatsIndex(chat.siteId, 'queued'),
          },
        }),
      );
    },
    async addChatOperator(chatId, expectedOperatorIds, operator, by) {
      return toChat(
        await update({
          Key: keys.chat(chatId),
          UpdateExpression:
            'SET operators = list_append(operators, :op), operatorIds = list_append(operatorIds, :id), operatorKey = :key, addedOperator = :added',
          ConditionExpression: '#status = :active AND operatorKey = :expected AND NOT contains(operatorIds, :opid)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':op': [operator],
            ':id': [operator.id],
            ':opid': operator.id,
            ':active': 'active',
            ':added': { id: operator.id, by },
            ':expected': operatorKey(expectedOperatorIds),
            ':key': operatorKey([...expectedOperatorIds, operator.id]),
          },
        }),
      );
    },
    async setChatOperators(chatId, expectedOperatorIds, operators) {
      return toChat(
        await update({
          Key: keys.chat(chatId),
          UpdateExpression: 'SET operators = :ops, operatorIds = :ids, operatorKey = :key REMOVE addedOperator',
          ConditionExpression: '#status = :active AND operatorKey = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':ops': operators,
            ':ids': operators.map((o) => o.id),
            ':key': operatorKey(operators.map((o) => o.id)),
            ':expected': operatorKey(expectedOperatorIds),
            ':active': 'active',
          },
        }),
      );
    },
    async setHold(chatId, on) {
      return toChat(
        await update({
          Key: keys.chat(chatId),
          UpdateExpression: on ? 'SET onHold = :t' : 'REMOVE onHold',
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ...(on ? { ':t': true } : {}) },
        }),
      );
    },
    async claimTranscript(chatId, email, max, at) {
      const counted = await update({
        Key: keys.chat(chatId),
        UpdateExpression: 'ADD transcripts :one',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(transcripts) OR transcripts < :max)',
        ExpressionAttributeValues: { ':one': 1, ':max': max },
      });
      if (!counted) return false;
      try {
        await db.send(
          new PutCommand({
            TableName,
            // The address a transcript went to expires with its chat (retention).
            Item: {
              ...keys.transcript(chatId, email),
              at,
              ...(typeof counted.ttl === 'number' ? { ttl: counted.ttl } : {}),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // Already sent to this address: give the slot back.
        await update({
          Key: keys.chat(chatId),
          UpdateExpression: 'ADD transcripts :minus',
          ExpressionAttributeValues: { ':minus': -1 },
        });
        return false;
      }
    },

    async listCanned(siteId, operatorId) {
      const [shared, personal] = await Promise.all([
        queryAll(
          {
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.sharedCanned(siteId, '').pk },
          },
          500,
        ),
        queryAll(
          {
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.personalCanned(operatorId, '').pk },
          },
          500,
        ),
      ]);
      return [...shared, ...personal].map((i) => strip<CannedMessage>(i)!);
    },
    async putCanned(siteId, operatorId, canned) {
      const key =
        canned.scope === 'shared' ? keys.sharedCanned(siteId, canned.id) : keys.personalCanned(operatorId, canned.id);
      await db.send(new PutCommand({ TableName, Item: { ...key, ...canned } }));
    },
    async getCanned(siteId, operatorId, id) {
      const [shared, personal] = await Promise.all([
        get(keys.sharedCanned(siteId, id), false),
        get(keys.personalCanned(operatorId, id), false),
      ]);
      return strip<CannedMessage>(shared ?? personal);
    },
    async deleteCanned(siteId, operatorId, canned) {
      const key =
        canned.scope === 'shared' ? keys.sharedCanned(siteId, canned.id) : keys.personalCanned(operatorId, canned.id);
      await db.send(new DeleteCommand({ TableName, Key: key }));
    },

    async messagesAfter(chatId, afterSeq, limit) {
      const items = await queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.chat(chatId).pk,
            ':from': keys.message(chatId, afterSeq + 1).sk,
            ':to': 'MSG#~',
          },
          ConsistentRead: true,
          Limit: Math.min(limit, 1000),
        },
        limit,
      );
      return items.map(toMessage);
    },
  };

  /** Why an append was refused: read once, off the hot path. */
  async function explainRefusal(input: Parameters<Store['appendMessage']>[0], retried = false): Promise<AppendResult> {
    const { chatId, clientMsgId, guard } = input;
    const item = await get(keys.chat(chatId));
    if (!item) return { ok: false, reason: 'not-found' };
    const chat = toChat(item)!;
    const cmids = (item.cmids ?? {}) as Record<string, string>;
    if (clientMsgId && cmids[clientMsgId]) {
      const stored = await queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
          FilterExpression: 'id = :id',
          ExpressionAttributeValues: { ':pk': keys.chat(chatId).pk, ':msg': 'MSG#', ':id': cmids[clientMsgId] },
          ScanIndexForward: false,
          ConsistentRead: true,
        },
        1,
      );
      if (stored[0]) return { ok: false, reason: 'duplicate', message: toMessage(stored[0]), chat };
      if (!retried) {
        // Marked but never stored (the writer died between its two writes): clear the mark, append again.
        await update({
          Key: keys.chat(chatId),
          UpdateExpression: 'REMOVE cmids.#cm',
          ConditionExpression: 'cmids.#cm = :mid',
          ExpressionAttributeNames: { '#cm': clientMsgId },
          ExpressionAttributeValues: { ':mid': cmids[clientMsgId] },
        });
        const again = await store.appendMessage(input);
        return again.ok || again.reason !== 'not-found' ? again : explainRefusal(input, true);
      }
    }
    const participant =
      guard.kind === 'system' ||
      (guard.kind === 'visitor' && chat.visitorId === guard.visitorId) ||
      (guard.kind === 'operator' && chat.operators.some((o) => o.id === guard.operatorId));
    if (!participant) return { ok: false, reason: 'forbidden' };
    if (chat.status === 'ended') return { ok: false, reason: 'ended' };
    if (guard.kind === 'operator' && chat.status !== 'active') return { ok: false, reason: 'forbidden' };
    return { ok: false, reason: 'not-found' };
  }

  return store;
}
