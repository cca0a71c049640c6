/**
 * Canned messages: the picker in the composer (shared and personal, searchable), the suggestions
 * shown while typing `/shortcut`, and a small manager to write one's own (and, for admins, the
 * shared ones). Variables %name% and %visitor% are filled in when a message is inserted.
 */
import { useState } from 'preact/hooks';
import type { CannedMessage } from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import type { ConsoleStore } from '../store.js';
import { CannedIcon, EditIcon, TrashIcon } from './icons.js';
import { Dropdown, Modal } from './Popover.js';

const SCOPE_LABEL = { shared: 'Shared', personal: 'Personal' } as const;

function matches(c: CannedMessage, q: string): boolean {
  if (!q) return true;
  const needle = q.toLowerCase().replace(/^\//, '');
  return (
    c.title.toLowerCase().includes(needle) ||
    c.text.toLowerCase().includes(needle) ||
    (c.shortcut ?? '').toLowerCase().includes(needle)
  );
}

export function CannedPicker({
  store,
  disabled,
  onPick,
  onManage,
}: {
  store: ConsoleStore;
  disabled?: boolean;
  onPick: (c: CannedMessage) => void;
  onManage: () => void;
}) {
  const [q, setQ] = useState('');
  const s = store.state;
  const list = s.canned.filter((c) => matches(c, q));
  const groups = (['shared', 'personal'] as const)
    .map((scope) => ({ scope, items: list.filter((c) => c.scope === scope) }))
    .filter((g) => g.items.length > 0);
  return (
    <Dropdown
      label={<span class="sr-only">Canned messages</span>}
      icon={<CannedIcon />}
      buttonClass="btn btn-ghost composer-tool"
      title="Canned messages (or type / and a shortcut)"
      testid="canned-button"
      disabled={disabled}
      up
      panelClass="canned-pop"
      onOpen={() => {
        setQ('');
        if (s.cannedState === 'error' || s.cannedState === 'idle') void store.loadCanned();
      }}
    >
      {(close) => (
        <div data-testid="canned-picker">
          <div class="pop-head">
            <strong>Canned messages</strong>
            <span class="muted">Type / and a shortcut in the reply, then Tab</span>
          </div>
          <input
            type="search"
            class="pop-search"
            placeholder="Search titles, texts, shortcuts…"
            aria-label="Search canned messages"
            value={q}
            data-autofocus
            onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && list[0]) {
                e.preventDefault();
                onPick(list[0]);
                close();
              }
            }}
          />
          <div class="canned-list">
            {s.cannedState === 'loading' && s.canned.length === 0 && <p class="pop-empty">Loading…</p>}
            {s.cannedState === 'error' && <p class="pop-empty">The canned messages could not be loaded.</p>}
            {s.cannedState === 'ready' && s.canned.length === 0 && (
              <p class="pop-empty">No canned messages yet. Write your first one below.</p>
            )}
            {s.canned.length > 0 && list.length === 0 && <p class="pop-empty">Nothing matches “{q}”.</p>}
            {groups.map((g) => (
              <div key={g.scope} class="canned-group">
                <h3>{SCOPE_LABEL[g.scope]}</h3>
                {g.items.map((c) => (
                  <button
                    key={c.id}
                    type="button"
                    class="canned-item"
                    data-testid="canned-item"
                    data-canned-id={c.id}
                    onClick={() => {
                      onPick(c);
                      close();
                    }}
                  >
                    <span class="canned-top">
                      <strong class="ellipsis">{c.title}</strong>
                      {c.shortcut && <span class="kbd">/{c.shortcut}</span>}
                    </span>
                    <span class="canned-text">{c.text}</span>
                  </button>
                ))}
              </div>
            ))}
          </div>
          <div class="pop-foot">
            <button
              type="button"
              class="link-btn"
              data-testid="canned-manage"
              onClick={() => {
                close();
                onManage();
              }}
            >
              Manage canned messages…
            </button>
          </div>
        </div>
      )}
    </Dropdown>
  );
}

/** Suggestions under the caret while `/shortcut` is typed; Tab or Enter takes the highlighted one. */
export function ShortcutSuggestions({
  items,
  index,
  onPick,
}: {
  items: CannedMessage[];
  index: number;
  onPick: (c: CannedMessage) => void;
}) {
  if (items.length === 0) return null;
  return (
    <div class="suggest" role="listbox" aria-label="Canned messages" data-testid="canned-suggestions">
      {items.map((c, i) => (
        <button
          key={c.id}
          type="button"
          role="option"
          aria-selected={i === index}
          class={i === index ? 'suggest-item on' : 'suggest-item'}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => onPick(c)}
        >
          <span class="kbd">/{c.shortcut || '—'}</span>
          <strong class="ellipsis">{c.title}</strong>
          <span class="suggest-text ellipsis">{c.text}</span>
          {i === index && <span class="suggest-hint">Tab</span>}
        </button>
      ))}
    </div>
  );
}

interface Draft {
  id?: string;
  scope: CannedMessage['scope'];
  title: string;
  text: string;
  shortcut: string;
}
const EMPTY: Draft = { scope: 'personal', title: '', text: '', shortcut: '' };

/** The list and the form; in a modal from the picker, and as a card in Settings. */
export function CannedEditor({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const admin = s.me?.role === 'admin';
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const editing = !!draft.id;
  const mayWrite = (c: CannedMessage) => c.scope === 'personal' || admin;

  const edit = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    setError(undefined);
  };
  const save = async () => {
    const title = draft.title.trim();
    const text = draft.text.trim();
    const shortcut = draft.shortcut.trim().replace(/^\//, '').toLowerCase();
    if (!title) return setError('Give it a title.');
    if (!text) return setError('Write the message.');
    if (shortcut && !/^[a-z0-9-]{1,20}$/.test(shortcut))
      return setError('A shortcut is letters, digits and dashes, at most 20.');
    setBusy(true);
    try {
      await store.saveCanned({ scope: draft.scope, title, text, ...(shortcut ? { shortcut } : {}) }, draft.id);
      setDraft(EMPTY);
      setError(undefined);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (c: CannedMessage) => {
    setBusy(true);
    try {
      await store.deleteCanned(c.id);
      if (draft.id === c.id) setDraft(EMPTY);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="canned-editor" data-testid="canned-editor">
      <form
        class="canned-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h3>{editing ? 'Edit canned message' : 'New canned message'}</h3>
        <div class="cf-row">
          <label class="cf-field cf-grow">
            <span>Title</span>
            <input
              data-testid="canned-title"
              maxLength={80}
              value={draft.title}
              placeholder="e.g. Greeting"
              onInput={(e) => edit({ title: (e.currentTarget as HTMLInputElement).value })}
            />
          </label>
          <label class="cf-field cf-short">
            <span>Shortcut</span>
            <span class="cf-prefix">
              <span aria-hidden="true">/</span>
              <input
                data-testid="canned-shortcut"
                maxLength={21}
                value={draft.shortcut}
                placeholder="hi"
                onInput={(e) => edit({ shortcut: (e.currentTarget as HTMLInputElement).value })}
              />
            </span>
          </label>
          <label class="cf-field cf-scope">
            <span>Visible to</span>
            <select
              data-testid="canned-scope"
              value={draft.scope}
              onChange={(e) => edit({ scope: (e.currentTarget as HTMLSelectElement).value as Draft['scope'] })}
            >
              <option value="personal">Only me</option>
              <option value="shared" disabled={!admin}>
                Everyone{admin ? '' : ' (admins)'}
              </option>
            </select>
          </label>
        </div>
        <label class="cf-field">
          <span>Message</span>
          <textarea
            data-testid="canned-text"
            rows={3}
            maxLength={LIMITS.chatText}
            value={draft.text}
            placeholder="Hi %visitor%, I'm %name%. How can I help?"
            onInput={(e) => edit({ text: (e.currentTarget as HTMLTextAreaElement).value })}
          />
        </label>
        <div class="cf-foot">
          <span class="muted cf-vars">
            <code>%name%</code> becomes your name, <code>%visitor%</code> the visitor’s.
          </span>
          {error && (
            <span class="form-error" role="alert">
              {error}
            </span>
          )}
          <div class="spacer" />
          {editing && (
            <button type="button" class="btn btn-ghost" onClick={() => setDraft(EMPTY)}>
              Cancel
            </button>
          )}
          <button type="submit" class="btn btn-primary" data-testid="canned-save" disabled={busy}>
            {editing ? 'Save changes' : 'Add'}
          </button>
        </div>
      </form>
      <ul class="canned-rows" aria-label="Your canned messages">
        {s.canned.length === 0 && <li class="pop-empty">No canned messages yet.</li>}
        {s.canned.map((c) => (
          <li key={c.id} class={draft.id === c.id ? 'canned-row on' : 'canned-row'} data-testid="canned-row">
            <div class="canned-row-main">
              <span class="canned-top">
                <strong class="ellipsis">{c.title}</strong>
                {c.shortcut && <span class="kbd">/{c.shortcut}</span>}
                <span class={`scope scope-${c.scope}`}>{SCOPE_LABEL[c.scope]}</span>
              </span>
              <span class="canned-text">{c.text}</span>
            </div>
            {mayWrite(c) && (
              <div class="canned-row-actions">
                <button
                  type="button"
                  class="icon-btn"
                  title="Edit"
                  aria-label={`Edit ${c.title}`}
                  onClick={() => {
                    setDraft({ id: c.id, scope: c.scope, title: c.title, text: c.text, shortcut: c.shortcut ?? '' });
                    setError(undefined);
                  }}
                >
                  <EditIcon />
                </button>
                <button
                  type="button"
                  class="icon-btn icon-danger"
                  title="Delete"
                  aria-label={`Delete ${c.title}`}
                  disabled={busy}
                  onClick={() => void remove(c)}
                >
                  <TrashIcon />
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function CannedManager({ store, onClose }: { store: ConsoleStore; onClose: () => void }) {
  return (
    <Modal title="Canned messages" onClose={onClose} testid="canned-manager" wide>
      <div class="modal-body">
        <CannedEditor store={store} />
      </div>
    </Modal>
  );
}
