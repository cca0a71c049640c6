/** The EventBridge event-bus adapter, with the EventBridge client mocked. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventPublisher, EventPublishError } from '../../functions/adapters/event-bus.js';

const bridge = mockClient(EventBridgeClient);
afterEach(() => bridge.reset());

describe('event bus adapter', () => {
  it('puts one event with source parley, the detail type and the JSON detail on the configured bus', async () => {
    bridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    await createEventPublisher('parley-bus').publish('chat.ended', { chatId: 'c1', by: 'visitor' });
    expect(bridge.commandCalls(PutEventsCommand)[0]!.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'parley-bus',
          Source: 'parley',
          DetailType: 'chat.ended',
          Detail: JSON.stringify({ chatId: 'c1', by: 'visitor' }),
        },
      ],
    });
  });

  it('throws EventPublishError with the entry error as cause when FailedEntryCount > 0', async () => {
    bridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    const err = await createEventPublisher('parley-bus')
      .publish('chat.ended', { chatId: 'c1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventPublishError);
    expect((err as EventPublishError).name).toBe('EventPublishError');
    expect((err as EventPublishError).detailType).toBe('chat.ended');
    expect(((err as Error).cause as Error).name).toBe('MalformedDetail');
    expect(((err as Error).cause as Error).message).toBe('Detail is malformed.');
  });

  it('wraps a failed request in EventPublishError with the SDK error as cause', async () => {
    const cause = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    bridge.on(PutEventsCommand).rejects(cause);
    const err = await createEventPublisher('parley-bus')
      .publish('x', {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventPublishError);
    expect((err as Error).cause).toBe(cause);
  });

  it('reads the bus name from EVENT_BUS_NAME, failing on first use when it is missing', async () => {
    bridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    const saved = process.env.EVENT_BUS_NAME;
    delete process.env.EVENT_BUS_NAME;
    try {
      await expect(createEventPublisher().publish('x', {})).rejects.toThrow(/EVENT_BUS_NAME/);
      process.env.EVENT_BUS_NAME = 'from-env';
      await createEventPublisher().publish('x', {});
      expect(bridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.EventBusName).toBe('from-env');
    } finally {
      if (saved === undefined) delete process.env.EVENT_BUS_NAME;
      else process.env.EVENT_BUS_NAME = saved;
    }
  });
});
