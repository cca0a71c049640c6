/**
 * Privacy actions for one visitor (admins only; the server checks): download everything stored as
 * JSON, and delete it all after a confirmation. Shown at the foot of the visitor info panel.
 */
import { useState } from 'preact/hooks';
import type { Api } from '../api.js';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function VisitorPrivacy({
  api,
  visitorId,
  label,
  onDeleted,
}: {
  api: Api;
  visitorId: string;
  label: string;
  onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const path = `/visitors/${encodeURIComponent(visitorId)}`;

  const download = async () => {
    setBusy(true);
    try {
      const data = await api.request<unknown>('GET', `${path}/export`);
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `parley-visitor-${visitorId}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setError('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await api.request('DELETE', path);
      setConfirming(false);
      onDeleted();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="vi-sec vi-privacy" data-testid="vi-privacy">
      <h3>Privacy</h3>
      <div class="vi-privacy-actions">
        <button
          type="button"
          class="btn btn-ghost btn-sm"
          data-testid="vi-export"
          disabled={busy}
          onClick={() => void download()}
        >
          Export data (JSON)
        </button>
        <button
          type="button"
          class="btn btn-danger-ghost btn-sm"
          data-testid="vi-delete"
          disabled={busy}
          onClick={() => setConfirming(true)}
        >
          Delete all data
        </button>
      </div>
      {confirming && (
        <div class="vi-warn" role="alertdialog" data-testid="vi-delete-confirm">
          <span>
            Delete everything stored about {label}: profile, page views, chats and messages, notes? An open chat is
            ended first. This cannot be undone.
          </span>{' '}
          <button
            type="button"
            class="btn btn-danger-ghost btn-xs"
            data-testid="vi-delete-confirm-yes"
            disabled={busy}
            onClick={() => void remove()}
          >
            Delete
          </button>{' '}
          <button type="button" class="btn btn-ghost btn-xs" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <p class="form-error" role="alert" data-testid="vi-privacy-error">
          {error}
        </p>
      )}
    </section>
  );
}
