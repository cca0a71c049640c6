/**
 * Domain events on an EventBridge bus (PutEvents, source `parley`). PutEvents can answer 200 and
 * still reject an entry, so FailedEntryCount is checked and turned into EventPublishError.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import type { EventPublisher } from '../core/async-ports.js';

export const EVENT_SOURCE = 'parley';

/** The bus did not take the event (the request failed, or the entry was rejected). */
export class EventPublishError extends Error {
  constructor(
    message: string,
    readonly detailType: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

let client: EventBridgeClient | undefined;

/** The one EventBridge client of a Lambda instance, created on first use. */
export function eventBridgeClient(): EventBridgeClient {
  client ??= new EventBridgeClient({});
  return client;
}

/** For tests: use this client instead (undefined goes back to the default). */
export function setEventBridgeClient(next: EventBridgeClient | undefined): void {
  client = next;
}

let cachedBus: string | undefined;

function envBusName(): string {
  if (!cachedBus) {
    const value = process.env.EVENT_BUS_NAME;
    if (!value) throw new Error('Missing required environment variable EVENT_BUS_NAME');
    cachedBus = value;
  }
  return cachedBus;
}

/** The event-bus adapter; `busName` defaults to EVENT_BUS_NAME, read once on first use. */
export function createEventPublisher(busName?: string): EventPublisher {
  return {
    async publish(detailType, detail) {
      const EventBusName = busName ?? envBusName();
      let result: PutEventsCommandOutput;
      try {
        result = await eventBridgeClient().send(
          new PutEventsCommand({
            Entries: [{ EventBusName, Source: EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }],
          }),
        );
      } catch (err) {
        throw new EventPublishError(`Could not publish ${detailType}`, detailType, { cause: err });
      }
      if ((result.FailedEntryCount ?? 0) > 0) {
        const entry = result.Entries?.find((e) => e.ErrorCode) ?? result.Entries?.[0];
        const cause = Object.assign(new Error(entry?.ErrorMessage ?? 'entry rejected'), {
          name: entry?.ErrorCode ?? 'FailedEntry',
        });
        throw new EventPublishError(`EventBridge rejected ${detailType}: ${cause.name}`, detailType, { cause });
      }
    },
  };
}
