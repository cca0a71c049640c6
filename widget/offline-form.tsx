/**
 * The leave-a-message form (nobody online, chat blocked, or a long wait in the queue): name,
 * e-mail, message and a department when there are several; inline errors tied to their fields,
 * and a confirmation announced to screen readers.
 */
import { useEffect, useState } from 'preact/hooks';
import { LIMITS } from '../functions/protocol/limits.js';
import type { Labels } from './i18n.js';
import type { LeaveMessage, LeaveMessageErrors } from './leave-message.js';

export function useLeaveMessage(lm: LeaveMessage): void {
  const [, setTick] = useState(0);
  useEffect(() => lm.subscribe(() => setTick((n) => n + 1)), [lm]);
}

/** The department choice (leave-message and the pre-chat form) when the welcome lists two or more. */
export function DepartmentSelect({
  id,
  list,
  value,
  set,
  L,
}: {
  id: string;
  list: string[];
  value: string;
  set: (d: string) => void;
  L: Labels;
}) {
  return list.length > 1 ? (
    <>
      <label for={`parley-${id}`}>{L.offlineDepartment}</label>
      <select
        id={`parley-${id}`}
        data-testid={id === 'off-dept' ? 'parley-offline-department' : 'parley-department'}
        value={value}
        onChange={(e) => set((e.currentTarget as HTMLSelectElement).value)}
      >
        <option value="">{L.offlineAnyDepartment}</option>
        {list.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
    </>
  ) : null;
}

export function OfflineForm({
  lm,
  L,
  intro,
  onBack,
}: {
  lm: LeaveMessage;
  L: Labels;
  /** The line above the fields (null: none). */
  intro?: string | null;
  onBack?: () => void;
}) {
  useLeaveMessage(lm);
  const s = lm.state;
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [text, setText] = useState('');
  const [department, setDepartment] = useState('');
  const [errors, setErrors] = useState<LeaveMessageErrors>({});

  if (s.phase === 'sent') {
    return (
      <div class="off-form off-done" data-testid="parley-offline-sent" role="status" data-autofocus tabIndex={-1}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M5 12.5l4.5 4.5L19 7.5" />
        </svg>
        <p>{L.offlineSent(s.sentTo || '')}</p>
        <button
          type="button"
          class="link"
          onClick={() => {
            setText('');
            lm.again();
          }}
        >
          {L.offlineAnother}
        </button>
      </div>
    );
  }

  const departments = s.departments;
  const values = { name, email, text };
  const setters = { name: setName, email: setEmail, text: setText };
  /** One labelled field with its inline error (tied to it for screen readers). */
  const field = (key: keyof LeaveMessageErrors, label: string, type: string, max: number, auto?: string) => {
    const props = {
      id: `parley-off-${key}`,
      'data-testid': `parley-offline-${key}`,
      required: true,
      maxLength: max,
      value: values[key],
      'aria-invalid': errors[key] ? ('true' as const) : undefined,
      'aria-describedby': errors[key] ? `parley-off-${key}-err` : undefined,
      onInput: (e: Event) => {
        setters[key]((e.currentTarget as HTMLInputElement).value);
        if (errors[key]) setErrors({ ...errors, [key]: undefined });
      },
    };
    return (
      <>
        <label for={props.id}>{label}</label>
        {type === 'textarea' ? (
          <textarea rows={4} {...props} />
        ) : (
          <input
            type={type}
            autocomplete={auto}
            placeholder={key === 'email' ? L.emailPlaceholder : undefined}
            {...props}
          />
        )}
        {errors[key] && (
          <span class="off-err" id={props['aria-describedby']} data-testid={`parley-offline-error-${key}`}>
            {errors[key]}
          </span>
        )}
      </>
    );
  };

  return (
    <form
      class="off-form"
      data-testid="parley-offline-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const found = lm.submit({ name, email, text, department });
        setErrors(found);
        const first = (['name', 'email', 'text'] as const).find((k) => found[k]);
        if (first) (e.currentTarget as HTMLFormElement).querySelector<HTMLElement>(`#parley-off-${first}`)?.focus();
      }}
    >
      <h3 class="off-title">{L.offlineTitle}</h3>
      {intro !== null && <p class="note">{intro || L.offlineIntro}</p>}
      {field('name', L.offlineName, 'text', LIMITS.name, 'name')}
      {field('email', L.offlineEmail, 'email', LIMITS.email, 'email')}
      <DepartmentSelect id="off-dept" list={departments} value={department} set={setDepartment} L={L} />
      {field('text', L.offlineText, 'textarea', LIMITS.offlineText)}
      {s.failure && (
        <p class="off-err" role="alert" data-testid="parley-offline-failure">
          {s.failure}
        </p>
      )}
      <div class="off-actions">
        {onBack && (
          <button type="button" class="link" onClick={onBack}>
            {L.offlineBack}
          </button>
        )}
        <button type="submit" class="primary" data-testid="parley-offline-send" disabled={s.phase === 'sending'}>
          {s.phase === 'sending' ? L.offlineSending : L.offlineSend}
        </button>
      </div>
    </form>
  );
}
