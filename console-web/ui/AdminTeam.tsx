/**
 * Team administration (admins only; the server checks every call): operators (create → Cognito
 * invitation e-mail, edit role/departments/limit/name, disable/enable with confirmation) and
 * departments (create, rename, silent flag, delete refused while operators are members).
 */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { OperatorProfile } from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import type { Api } from '../api.js';

export type AdminOperator = Omit<OperatorProfile, 'preferences'> & { disabled: boolean };
export interface AdminDepartment {
  id: string;
  name: string;
  silent: boolean;
  members: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function AdminTeam({ api, me }: { api: Api; me: OperatorProfile | undefined }) {
  const [operators, setOperators] = useState<AdminOperator[] | undefined>();
  const [departments, setDepartments] = useState<AdminDepartment[]>([]);
  const [error, setError] = useState('');

  const reload = async () => {
    try {
      const [ops, depts] = await Promise.all([
        api.request<AdminOperator[]>('GET', '/operators?all=1'),
        api.request<AdminDepartment[]>('GET', '/departments'),
      ]);
      setOperators(ops);
      setDepartments(depts);
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    void reload();
  }, []);

  return (
    <div class="page settings admin-team" data-testid="admin-team">
      <div class="page-head">
        <div>
          <h1>Team</h1>
          <p class="muted">
            Operators, their roles and departments. New operators get an e-mail with a temporary password.
          </p>
        </div>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <OperatorsCard api={api} me={me} operators={operators} departments={departments} onChange={reload} />
      <DepartmentsCard api={api} departments={departments} onChange={reload} />
    </div>
  );
}

interface OperatorDraft {
  email: string;
  name: string;
  role: 'admin' | 'operator';
  departments: string[];
  maxChats: string;
}
const EMPTY: OperatorDraft = { email: '', name: '', role: 'operator', departments: [], maxChats: '' };

/** The body for POST/PUT /api/operators, or the first problem with the draft. */
export function operatorBody(d: OperatorDraft, creating: boolean): Record<string, unknown> | string {
  const name = d.name.trim();
  if (!name) return 'Give the operator a name.';
  if (creating && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(d.email.trim())) return 'Enter a valid e-mail address.';
  const limit = d.maxChats.trim();
  if (limit && !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 50))
    return 'The chat limit must be a whole number from 1 to 50, or empty for the site’s.';
  return {
    ...(creating ? { email: d.email.trim() } : {}),
    name,
    role: d.role,
    departments: d.departments,
    ...(limit ? { maxChats: Number(limit) } : creating ? {} : { maxChats: null }),
  };
}

function OperatorForm({
  draft,
  setDraft,
  departments,
  creating,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  draft: OperatorDraft;
  setDraft: (d: OperatorDraft) => void;
  departments: AdminDepartment[];
  creating: boolean;
  busy: boolean;
  error: string;
  onSubmit: () => void;
  onCancel?: () => void;
}) {
  const prefix = creating ? 'new-op' : 'edit-op';
  return (
    <form
      class="admin-form"
      data-testid={`${prefix}-form`}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {creating && (
        <label>
          <span>E-mail</span>
          <input
            type="email"
            required
            maxLength={LIMITS.email}
            data-testid={`${prefix}-email`}
            value={draft.email}
            onInput={(e) => setDraft({ ...draft, email: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
      )}
      <label>
        <span>Name</span>
        <input
          required
          maxLength={LIMITS.name}
          data-testid={`${prefix}-name`}
          value={draft.name}
          onInput={(e) => setDraft({ ...draft, name: (e.currentTarget as HTMLInputElement).value })}
        />
      </label>
      <label>
        <span>Role</span>
        <select
          data-testid={`${prefix}-role`}
          value={draft.role}
          onChange={(e) =>
            setDraft({ ...draft, role: (e.currentTarget as HTMLSelectElement).value as OperatorDraft['role'] })
          }
        >
          <option value="operator">Operator</option>
          <option value="admin">Administrator</option>
        </select>
      </label>
      <label>
        <span>Chat limit</span>
        <input
          type="number"
          min={1}
          max={50}
          placeholder="site’s"
          data-testid={`${prefix}-limit`}
          value={draft.maxChats}
          onInput={(e) => setDraft({ ...draft, maxChats: (e.currentTarget as HTMLInputElement).value })}
        />
      </label>
      <fieldset class="admin-depts">
        <legend>Departments</legend>
        {departments.length === 0 && <span class="muted">None yet</span>}
        {departments.map((d) => (
          <label key={d.id} class="admin-check">
            <input
              type="checkbox"
              data-testid={`${prefix}-dept-${d.name}`}
              checked={draft.departments.includes(d.name)}
              onChange={(e) => {
                const on = (e.currentTarget as HTMLInputElement).checked;
                setDraft({
                  ...draft,
                  departments: on ? [...draft.departments, d.name] : draft.departments.filter((n) => n !== d.name),
                });
              }}
            />
            {d.name}
            {d.silent && <span class="pill">silent</span>}
          </label>
        ))}
      </fieldset>
      <div class="admin-actions">
        <button type="submit" class="btn btn-primary btn-sm" disabled={busy} data-testid={`${prefix}-save`}>
          {creating ? 'Create and invite' : 'Save'}
        </button>
        {onCancel && (
          <button type="button" class="btn btn-ghost btn-sm" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {error && (
        <p class="form-error" role="alert" data-testid={`${prefix}-error`}>
          {error}
        </p>
      )}
    </form>
  );
}

function OperatorsCard({
  api,
  me,
  operators,
  departments,
  onChange,
}: {
  api: Api;
  me: OperatorProfile | undefined;
  operators: AdminOperator[] | undefined;
  departments: AdminDepartment[];
  onChange: () => Promise<void>;
}) {
  const [draft, setDraft] = useState<OperatorDraft>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState<{ id: string; draft: OperatorDraft; error: string } | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [rowError, setRowError] = useState<{ id: string; text: string } | undefined>();

  const create = async () => {
    const body = operatorBody(draft, true);
    if (typeof body === 'string') return setError(body);
    setBusy(true);
    try {
      const created = await api.request<AdminOperator>('POST', '/operators', body);
      setDraft(EMPTY);
      setError('');
      setNotice(`${created.name} was invited: ${created.email} gets an e-mail with a temporary password.`);
      await onChange();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    if (!editing) return;
    const body = operatorBody(editing.draft, false);
    if (typeof body === 'string') return setEditing({ ...editing, error: body });
    setBusy(true);
    try {
      await api.request('PUT', `/operators/${encodeURIComponent(editing.id)}`, body);
      setEditing(undefined);
      await onChange();
    } catch (err) {
      setEditing({ ...editing, error: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const setEnabled = async (o: AdminOperator, enabled: boolean) => {
    setBusy(true);
    try {
      await api.request('POST', `/operators/${encodeURIComponent(o.id)}/${enabled ? 'enable' : 'disable'}`);
      setConfirming(undefined);
      setRowError(undefined);
      await onChange();
    } catch (err) {
      setRowError({ id: o.id, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" data-testid="admin-operators">
      <div class="card-head">
        <h3>Operators</h3>
      </div>
      <div class="card-body">
        <div class="table-wrap">
          <table class="rtable admin-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>E-mail</th>
                <th>Role</th>
                <th>Departments</th>
                <th class="num">Chat limit</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {operators === undefined && (
                <tr>
                  <td colSpan={7} class="muted">
                    Loading…
                  </td>
                </tr>
              )}
              {operators?.map((o) => (
                <Fragment key={o.id}>
                  <tr
                    key={o.id}
                    data-testid="admin-op-row"
                    data-email={o.email}
                    class={o.disabled ? 'muted' : undefined}
                  >
                    <td>{o.name}</td>
                    <td>{o.email}</td>
                    <td>{o.role === 'admin' ? 'Administrator' : 'Operator'}</td>
                    <td>
                      {o.departments.join(', ') || <span class="muted">—</span>}
                      {o.silent && <span class="pill">silent</span>}
                    </td>
                    <td class="num">{o.maxChats ?? <span class="muted">site’s</span>}</td>
                    <td data-testid="admin-op-status">{o.disabled ? 'Disabled' : o.status}</td>
                    <td class="admin-row-actions">
                      <button
                        type="button"
                        class="btn btn-ghost btn-xs"
                        data-testid="admin-op-edit"
                        onClick={() =>
                          setEditing({
                            id: o.id,
                            error: '',
                            draft: {
                              email: o.email,
                              name: o.name,
                              role: o.role,
                              departments: o.departments,
                              maxChats: o.maxChats === undefined ? '' : String(o.maxChats),
                            },
                          })
                        }
                      >
                        Edit
                      </button>
                      {o.disabled ? (
                        <button
                          type="button"
                          class="btn btn-ghost btn-xs"
                          data-testid="admin-op-enable"
                          disabled={busy}
                          onClick={() => void setEnabled(o, true)}
                        >
                          Enable
                        </button>
                      ) : (
                        o.id !== me?.id && (
                          <button
                            type="button"
                            class="btn btn-danger-ghost btn-xs"
                            data-testid="admin-op-disable"
                            onClick={() => setConfirming(o.id)}
                          >
                            Disable
                          </button>
                        )
                      )}
                    </td>
                  </tr>
                  {confirming === o.id && (
                    <tr key={`${o.id}-confirm`} class="admin-confirm">
                      <td colSpan={7} role="alertdialog" data-testid="admin-op-confirm">
                        Disable {o.name}? They are signed out at once, their open chats go to colleagues or back to the
                        queue, and they cannot sign in until enabled again.{' '}
                        <button
                          type="button"
                          class="btn btn-danger-ghost btn-xs"
                          data-testid="admin-op-confirm-disable"
                          disabled={busy}
                          onClick={() => void setEnabled(o, false)}
                        >
                          Disable
                        </button>{' '}
                        <button type="button" class="btn btn-ghost btn-xs" onClick={() => setConfirming(undefined)}>
                          Cancel
                        </button>
                      </td>
                    </tr>
                  )}
                  {rowError?.id === o.id && (
                    <tr key={`${o.id}-error`}>
                      <td colSpan={7} class="form-error" role="alert" data-testid="admin-op-row-error">
                        {rowError.text}
                      </td>
                    </tr>
                  )}
                  {editing?.id === o.id && (
                    <tr key={`${o.id}-edit`}>
                      <td colSpan={7}>
                        <OperatorForm
                          draft={editing.draft}
                          setDraft={(d) => setEditing({ ...editing, draft: d })}
                          departments={departments}
                          creating={false}
                          busy={busy}
                          error={editing.error}
                          onSubmit={() => void save()}
                          onCancel={() => setEditing(undefined)}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
        <h4 class="set-sub">Add an operator</h4>
        <OperatorForm
          draft={draft}
          setDraft={setDraft}
          departments={departments}
          creating={true}
          busy={busy}
          error={error}
          onSubmit={() => void create()}
        />
        {notice && (
          <p class="form-ok" role="status" data-testid="new-op-notice">
            {notice}
          </p>
        )}
      </div>
    </section>
  );
}

function DepartmentsCard({
  api,
  departments,
  onChange,
}: {
  api: Api;
  departments: AdminDepartment[];
  onChange: () => Promise<void>;
}) {
  const [name, setName] = useState('');
  const [silent, setSilent] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [renaming, setRenaming] = useState<{ id: string; name: string } | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [rowError, setRowError] = useState<{ id: string; text: string } | undefined>();

  const run = async (f: () => Promise<unknown>, onError: (text: string) => void) => {
    setBusy(true);
    try {
      await f();
      await onChange();
      return true;
    } catch (err) {
      onError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const create = async () => {
    if (!name.trim()) return setError('Give the department a name.');
    if (await run(() => api.request('POST', '/departments', { name: name.trim(), silent }), setError)) {
      setName('');
      setSilent(false);
      setError('');
    }
  };
  const update = (d: AdminDepartment, body: { name: string; silent: boolean }) =>
    run(
      () => api.request('PUT', `/departments/${encodeURIComponent(d.id)}`, body),
      (text) => setRowError({ id: d.id, text }),
    );

  return (
    <section class="card" data-testid="admin-departments">
      <div class="card-head">
        <h3>Departments</h3>
      </div>
      <div class="card-body">
        <p class="card-note muted">
          A silent department is never offered chats, and its operators see only their own chats’ visitors.
        </p>
        <table class="rtable admin-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Silent</th>
              <th class="num">Operators</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {departments.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  No departments yet.
                </td>
              </tr>
            )}
            {departments.map((d) => (
              <Fragment key={d.id}>
                <tr key={d.id} data-testid="admin-dept-row" data-name={d.name}>
                  <td>
                    {renaming?.id === d.id ? (
                      <form
                        class="admin-inline"
                        onSubmit={(e) => {
                          e.preventDefault();
                          void update(d, { name: renaming.name, silent: d.silent }).then(
                            (ok) => ok && setRenaming(undefined),
                          );
                        }}
                      >
                        <input
                          required
                          maxLength={60}
                          data-testid="admin-dept-rename-input"
                          value={renaming.name}
                          onInput={(e) => setRenaming({ id: d.id, name: (e.currentTarget as HTMLInputElement).value })}
                        />
                        <button type="submit" class="btn btn-primary btn-xs" disabled={busy}>
                          Save
                        </button>
                        <button type="button" class="btn btn-ghost btn-xs" onClick={() => setRenaming(undefined)}>
                          Cancel
                        </button>
                      </form>
                    ) : (
                      d.name
                    )}
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${d.name} is silent`}
                      data-testid="admin-dept-silent"
                      checked={d.silent}
                      disabled={busy}
                      onChange={(e) =>
                        void update(d, { name: d.name, silent: (e.currentTarget as HTMLInputElement).checked })
                      }
                    />
                  </td>
                  <td class="num">{d.members}</td>
                  <td class="admin-row-actions">
                    <button
                      type="button"
                      class="btn btn-ghost btn-xs"
                      data-testid="admin-dept-rename"
                      onClick={() => setRenaming({ id: d.id, name: d.name })}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      class="btn btn-danger-ghost btn-xs"
                      data-testid="admin-dept-delete"
                      onClick={() => setConfirming(d.id)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
                {confirming === d.id && (
                  <tr key={`${d.id}-confirm`} class="admin-confirm">
                    <td colSpan={4} role="alertdialog">
                      Delete {d.name}?{' '}
                      <button
                        type="button"
                        class="btn btn-danger-ghost btn-xs"
                        data-testid="admin-dept-confirm-delete"
                        disabled={busy}
                        onClick={() =>
                          void run(
                            () => api.request('DELETE', `/departments/${encodeURIComponent(d.id)}`),
                            (text) => setRowError({ id: d.id, text }),
                          ).then(() => setConfirming(undefined))
                        }
                      >
                        Delete
                      </button>{' '}
                      <button type="button" class="btn btn-ghost btn-xs" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </button>
                    </td>
                  </tr>
                )}
                {rowError?.id === d.id && (
                  <tr key={`${d.id}-error`}>
                    <td colSpan={4} class="form-error" role="alert" data-testid="admin-dept-error">
                      {rowError.text}
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
        <form
          class="admin-form"
          data-testid="new-dept-form"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label>
            <span>New department</span>
            <input
              maxLength={60}
              data-testid="new-dept-name"
              value={name}
              onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <label class="admin-check">
            <input
              type="checkbox"
              data-testid="new-dept-silent"
              checked={silent}
              onChange={(e) => setSilent((e.currentTarget as HTMLInputElement).checked)}
            />
            Silent
          </label>
          <div class="admin-actions">
            <button type="submit" class="btn btn-primary btn-sm" disabled={busy} data-testid="new-dept-save">
              Add department
            </button>
          </div>
          {error && (
            <p class="form-error" role="alert" data-testid="new-dept-error">
              {error}
            </p>
          )}
        </form>
      </div>
    </section>
  );
}
