/**
 * What an operator can do with a chat they handle: hold / resume, transfer (to an online operator
 * or to a department), add an operator (conference), leave it to the others, have the transcript
 * e-mailed, end it.
 */
import { useState } from 'preact/hooks';
import type { ChatSummary } from '../../functions/protocol/events.js';
import { activeChatsByOperator, chatTargets, departmentsOf, type OperatorInfo } from '../routing.js';
import type { ConsoleStore } from '../store.js';
import { AddUserIcon, EndIcon, LeaveIcon, MailIcon, PauseIcon, PlayIcon, TransferIcon } from './icons.js';
import { Dropdown } from './Popover.js';

function OperatorOption({
  o,
  chats,
  limit,
  testid,
  onPick,
}: {
  o: OperatorInfo;
  chats: number;
  limit: number;
  testid: string;
  onPick: () => void;
}) {
  const full = chats >= limit;
  return (
    <button
      type="button"
      class="pick"
      data-testid={testid}
      data-operator-id={o.id}
      disabled={full}
      title={full ? `${o.name} has no room for another chat` : undefined}
      onClick={onPick}
    >
      <span class={`status-dot status-${o.status}`} aria-hidden="true" />
      <span class="pick-main ellipsis">{o.name}</span>
      <span class="pick-meta">
        {chats}/{limit} chats
      </span>
    </button>
  );
}

function OperatorList({
  store,
  chat,
  testid,
  empty,
  onPick,
}: {
  store: ConsoleStore;
  chat: ChatSummary;
  testid: string;
  empty: string;
  onPick: (o: OperatorInfo) => void;
}) {
  const s = store.state;
  const counts = activeChatsByOperator(s.chats);
  const targets = chatTargets(s.operators, chat, s.me?.id, counts);
  if (targets.length === 0) return <p class="pop-empty">{empty}</p>;
  return (
    <div class="pick-list">
      {targets.map((o) => (
        <OperatorOption
          key={o.id}
          o={o}
          chats={counts.get(o.id) ?? 0}
          limit={o.maxChats ?? s.settings.maxChatsPerOperator}
          testid={testid}
          onPick={() => onPick(o)}
        />
      ))}
    </div>
  );
}

export function TranscriptForm({ store, chat }: { store: ConsoleStore; chat: ChatSummary }) {
  const s = store.state;
  const t = s.transcripts[chat.chatId];
  const [email, setEmail] = useState(t?.email ?? '');
  const listId = `tr-${chat.chatId}`;
  return (
    <form
      class="transcript-form"
      data-testid="transcript-form"
      onSubmit={(e) => {
        e.preventDefault();
        store.sendTranscript(chat.chatId, email);
      }}
    >
      <label class="pop-head" for={`${listId}-in`}>
        <strong>Send the transcript</strong>
        <span class="muted">Every message of this chat, by e-mail (at most three addresses).</span>
      </label>
      <div class="tf-row">
        <input
          id={`${listId}-in`}
          type="email"
          required
          maxLength={254}
          list={listId}
          placeholder="name@example.com"
          data-testid="transcript-email"
          value={email}
          onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)}
        />
        <datalist id={listId}>{s.me?.email && <option value={s.me.email} />}</datalist>
        <button
          type="submit"
          class="btn btn-primary"
          data-testid="transcript-send"
          disabled={!email.trim() || t?.state === 'sending'}
        >
          {t?.state === 'sending' ? 'Sending…' : 'Send'}
        </button>
      </div>
      {t && t.state !== 'sending' && (
        <p class={t.state === 'sent' ? 'form-ok' : 'form-error'} role="status" data-testid="transcript-state">
          {t.state === 'sent' ? `Sent to ${t.email}.` : t.message}
        </p>
      )}
    </form>
  );
}

export function ChatTools({ store, chat }: { store: ConsoleStore; chat: ChatSummary }) {
  const s = store.state;
  const ended = chat.status === 'ended';
  const departments = departmentsOf(s.operators);
  const others = chat.operators.filter((o) => o.id !== s.me?.id);
  return (
    <div class="chat-tools" role="toolbar" aria-label="Chat actions" data-testid="chat-toolbar">
      {!ended && (
        <button
          type="button"
          class={`btn btn-ghost btn-sm${chat.onHold ? ' pressed' : ''}`}
          data-testid="chat-hold"
          aria-pressed={!!chat.onHold}
          title={chat.onHold ? 'Back to the visitor' : 'The visitor is told you will be right back'}
          onClick={() => store.hold(chat.chatId, !chat.onHold)}
        >
          {chat.onHold ? <PlayIcon /> : <PauseIcon />}
          {chat.onHold ? 'Resume' : 'Hold'}
        </button>
      )}
      {!ended && (
        <Dropdown
          label="Transfer"
          icon={<TransferIcon />}
          testid="chat-transfer"
          title="Hand this chat to another operator or a department"
          panelClass="pick-pop"
          align="right"
          onOpen={() => void store.refreshOperators()}
        >
          {(close) => (
            <div data-testid="transfer-menu">
              <div class="pop-head">
                <strong>Transfer to an operator</strong>
                <span class="muted">They take over; the visitor is told who helps them now.</span>
              </div>
              <OperatorList
                store={store}
                chat={chat}
                testid="transfer-operator"
                empty="No other operator is online."
                onPick={(o) => {
                  store.transferTo(chat.chatId, o);
                  close();
                }}
              />
              {departments.length > 0 && (
                <>
                  <div class="pop-head pop-sub">
                    <strong>Or to a department</strong>
                    <span class="muted">Back to the queue, offered to its operators.</span>
                  </div>
                  <div class="pick-list">
                    {departments.map((d) => (
                      <button
                        key={d}
                        type="button"
                        class="pick"
                        data-testid="transfer-department"
                        data-department={d}
                        onClick={() => {
                          store.transferToDepartment(chat.chatId, d);
                          close();
                        }}
                      >
                        <span class="pick-dept" aria-hidden="true">
                          {d.slice(0, 1).toUpperCase()}
                        </span>
                        <span class="pick-main ellipsis">{d}</span>
                      </button>
                    ))}
                  </div>
                </>
              )}
            </div>
          )}
        </Dropdown>
      )}
      {!ended && (
        <Dropdown
          label="Add operator"
          icon={<AddUserIcon />}
          testid="chat-add-operator"
          title="Bring another operator into this conversation"
          panelClass="pick-pop"
          align="right"
          onOpen={() => void store.refreshOperators()}
        >
          {(close) => (
            <div data-testid="add-operator-menu">
              <div class="pop-head">
                <strong>Add an operator</strong>
                <span class="muted">They join the conversation and are told it is meant for them.</span>
              </div>
              <OperatorList
                store={store}
                chat={chat}
                testid="add-operator-option"
                empty="No other operator is online."
                onPick={(o) => {
                  store.addOperator(chat.chatId, o);
                  close();
                }}
              />
            </div>
          )}
        </Dropdown>
      )}
      {!ended && others.length > 0 && (
        <button
          type="button"
          class="btn btn-ghost btn-sm"
          data-testid="chat-leave"
          title={`Leave the chat to ${others.map((o) => o.name).join(', ')}`}
          onClick={() => store.leaveChat(chat.chatId)}
        >
          <LeaveIcon />
          Leave
        </button>
      )}
      <Dropdown
        label={ended ? 'Send transcript' : 'Transcript'}
        icon={<MailIcon />}
        testid="chat-transcript"
        title="E-mail this chat's transcript"
        panelClass="transcript-pop"
        align="right"
      >
        {() => <TranscriptForm store={store} chat={chat} />}
      </Dropdown>
      {!ended && (
        <button
          type="button"
          class="btn btn-danger-ghost btn-sm"
          data-testid="chat-end"
          onClick={() => store.endChat(chat.chatId)}
        >
          <EndIcon />
          End chat
        </button>
      )}
    </div>
  );
}
