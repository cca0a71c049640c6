/**
 * Admin screen "Embed the button on your site": the site, colours, button text, corner, language
 * and greeting; a live preview (the widget's own button DOM, stylesheet and theming code in a
 * shadow root); the one-tag snippet to copy; Save stores the appearance in the site's settings,
 * which the widget reads at run time (a change needs no new snippet).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleSettings, WidgetSettings } from '../../functions/protocol/events.js';
import { launcherButton } from '../../widget/button.js';
import { BUTTON_LABELS, pickLang } from '../../widget/i18n.js';
import loaderCss from '../../widget/loader.css';
import { theme } from '../../widget/theme.js';
import type { Api } from '../api.js';
import { type Appearance, checkAppearance, embedSnippet, HEX } from '../embed.js';

type SettingsView = ConsoleSettings & { widget?: WidgetSettings };

const DEFAULTS: Appearance = {
  greeting: '',
  color: '#2563eb',
  textColor: '#ffffff',
  buttonText: '',
  position: 'right',
  vertical: 'bottom',
  lang: '',
};
const LANGUAGE_NAMES: Record<string, string> = { '': 'The page’s language', en: 'English', pl: 'Polski' };
/** The widget's button, themed by the widget's own code, in a shadow root of its own. */
function Preview({ a, online }: { a: Appearance; online: boolean }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const parts = useRef<{ root: ShadowRoot; wrap: HTMLDivElement; label: HTMLSpanElement } | undefined>(undefined);
  useEffect(() => {
    const host = hostRef.current;
    if (!host || parts.current) return;
    const root = host.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(loaderCss);
    root.adoptedStyleSheets = [sheet];
    const wrap = document.createElement('div');
    wrap.className = 'pw';
    const { button, label } = launcherButton(document);
    button.setAttribute('data-testid', 'embed-preview-button');
    button.tabIndex = -1;
    wrap.appendChild(button);
    root.appendChild(wrap);
    parts.current = { root, wrap, label };
  }, []);
  useEffect(() => {
    const p = parts.current;
    const host = hostRef.current;
    if (!p || !host) return;
    theme(host, p.wrap, a);
    const L = BUTTON_LABELS[pickLang(a.lang, navigator.language)]!;
    p.wrap.classList.toggle('off', !online);
    p.label.textContent = online ? a.buttonText || L.liveHelp : L.offlineButton;
  });
  return (
    <div class="embed-stage" aria-label="Preview" role="img">
      <div class="embed-page" aria-hidden="true">
        <span />
        <span />
        <span />
      </div>
      <div ref={hostRef} class="embed-host" />
    </div>
  );
}

export function EmbedGenerator({ api, siteId, widgetUrl }: { api: Api; siteId: string; widgetUrl: string }) {
  const [site, setSite] = useState(siteId);
  const [a, setA] = useState<Appearance>(DEFAULTS);
  const [online, setOnline] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState(false);
  const snippetRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    let live = true;
    api.request<SettingsView>('GET', '/settings').then(
      (s) => {
        if (live) {
          setA({ ...DEFAULTS, ...s.widget });
          setLoaded(true);
        }
      },
      (err) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const edit = (patch: Partial<Appearance>) => {
    setA((x) => ({ ...x, ...patch }));
    setSaved(false);
    setError(undefined);
  };

  const save = async () => {
    const problem = checkAppearance(a);
    if (problem) {
      setError(problem);
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      // The console settings go back as they are now: this screen changes the appearance only.
      const { widget: _old, ...current } = await api.request<SettingsView>('GET', '/settings');
      const result = await api.request<SettingsView>('PUT', '/settings', { ...current, widget: a });
      setA({ ...DEFAULTS, ...result.widget });
      setSaved(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };

  const snippet = embedSnippet(widgetUrl, site);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet);
    } catch {
      // No clipboard API (not a secure context): select the text and use the old command.
      snippetRef.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2500);
  };

  const corner = `${a.vertical}-${a.position}`;
  return (
    <div class="page embed" data-testid="embed-generator">
      <div class="page-head">
        <div>
          <h1>Embed the button on your site</h1>
          <p class="muted">
            Paste one tag into your pages. Its look comes from these settings each time a page loads, so changing them
            later needs no new snippet.
          </p>
        </div>
      </div>
      <div class="embed-grid">
        <form
          class="card embed-form"
          data-testid="embed-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label class="embed-field">
            <span>Site</span>
            <select
              data-testid="embed-site"
              value={site}
              onChange={(e) => setSite((e.currentTarget as HTMLSelectElement).value)}
            >
              <option value={siteId}>{siteId}</option>
            </select>
          </label>
          <div class="embed-row">
            <ColorField
              label="Button colour"
              testid="embed-color"
              value={a.color}
              fallback="#2563eb"
              onInput={(color) => edit({ color })}
            />
            <ColorField
              label="Text colour"
              testid="embed-text-color"
              value={a.textColor}
              fallback="#ffffff"
              onInput={(textColor) => edit({ textColor })}
            />
          </div>
          <label class="embed-field">
            <span>Button text</span>
            <input
              type="text"
              data-testid="embed-button-text"
              maxLength={40}
              placeholder="The language’s “Live Help”"
              value={a.buttonText}
              onInput={(e) => edit({ buttonText: (e.currentTarget as HTMLInputElement).value })}
            />
          </label>
          <div class="embed-row">
            <label class="embed-field">
              <span>Position</span>
              <select
                data-testid="embed-position"
                value={corner}
                onChange={(e) => {
                  const [vertical, position] = (e.currentTarget as HTMLSelectElement).value.split('-') as [
                    Appearance['vertical'],
                    Appearance['position'],
                  ];
                  edit({ vertical, position });
                }}
              >
                <option value="bottom-right">Bottom right</option>
                <option value="bottom-left">Bottom left</option>
                <option value="top-right">Top right</option>
                <option value="top-left">Top left</option>
              </select>
            </label>
            <label class="embed-field">
              <span>Language</span>
              <select
                data-testid="embed-lang"
                value={a.lang}
                onChange={(e) => edit({ lang: (e.currentTarget as HTMLSelectElement).value })}
              >
                {['', ...Object.keys(BUTTON_LABELS)].map((l) => (
                  <option key={l} value={l}>
                    {LANGUAGE_NAMES[l] ?? l}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <label class="embed-field">
            <span>Greeting</span>
            <textarea
              rows={2}
              maxLength={300}
              data-testid="embed-greeting"
              placeholder="Empty: the language’s own greeting"
              value={a.greeting}
              onInput={(e) => edit({ greeting: (e.currentTarget as HTMLTextAreaElement).value })}
            />
          </label>
          <div class="set-actions">
            {error && (
              <p class="form-error" role="alert">
                {error}
              </p>
            )}
            {saved && (
              <p class="form-ok" role="status" data-testid="embed-saved">
                Saved. Pages pick it up on their next load.
              </p>
            )}
            <div class="spacer" />
            <button type="submit" class="btn btn-primary" data-testid="embed-save" disabled={saving || !loaded}>
              {saving ? 'Saving…' : 'Save appearance'}
            </button>
          </div>
        </form>
        <div class="embed-side">
          <section class="card">
            <div class="card-head">
              <h3>Preview</h3>
              <fieldset class="seg">
                <legend class="sr-only">Preview state</legend>
                <button
                  type="button"
                  class={online ? 'on' : ''}
                  aria-pressed={online}
                  data-testid="embed-preview-online"
                  onClick={() => setOnline(true)}
                >
                  Operators online
                </button>
                <button
                  type="button"
                  class={online ? '' : 'on'}
                  aria-pressed={!online}
                  data-testid="embed-preview-offline"
                  onClick={() => setOnline(false)}
                >
                  Nobody online
                </button>
              </fieldset>
            </div>
            <Preview a={a} online={online} />
          </section>
          <section class="card">
            <div class="card-head">
              <h3>Snippet</h3>
              <button type="button" class="btn btn-primary btn-sm" data-testid="embed-copy" onClick={() => void copy()}>
                {copied ? 'Copied' : 'Copy to clipboard'}
              </button>
            </div>
            <div class="card-body">
              <textarea
                ref={snippetRef}
                class="embed-snippet"
                readOnly
                rows={3}
                data-testid="embed-snippet"
                aria-label="Snippet"
                value={snippet}
                onFocus={(e) => (e.currentTarget as HTMLTextAreaElement).select()}
              />
              <p class="muted embed-note">
                Put it before <code>&lt;/body&gt;</code>. Under a Content-Security-Policy, add your nonce as{' '}
                <code>nonce</code> (or <code>data-nonce</code>); <code>data-lang="pl"</code> picks a language when the
                setting follows the page.
              </p>
            </div>
          </section>
        </div>
      </div>
    </div>
  );
}

/** A colour as a picker and as the #rrggbb text beside it (the text may be mid-edit, so the picker falls back). */
function ColorField(p: {
  label: string;
  testid: string;
  value: string;
  fallback: string;
  onInput: (value: string) => void;
}) {
  return (
    <label class="embed-field">
      <span>{p.label}</span>
      <span class="embed-color">
        <input
          type="color"
          aria-label={`${p.label} picker`}
          value={HEX.test(p.value) ? p.value : p.fallback}
          onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
        />
        <input
          type="text"
          data-testid={p.testid}
          maxLength={7}
          value={p.value}
          onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value.trim())}
        />
      </span>
    </label>
  );
}
