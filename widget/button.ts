/**
 * The launcher button's DOM (plain DOM, in the loader's shadow root). Also used by the console's
 * embed preview, which themes it with the same CSS (loader.css) and theme.ts.
 */
export interface LauncherButton {
  button: HTMLButtonElement;
  label: HTMLSpanElement;
  dot: HTMLSpanElement;
  badge: HTMLSpanElement;
}

export function launcherButton(d: Document): LauncherButton {
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls: string): HTMLElementTagNameMap[K] => {
    const e = d.createElement(tag);
    e.className = cls;
    return e;
  };
  const button = el('button', 'btn');
  button.type = 'button';
  button.setAttribute('data-testid', 'parley-button');
  const svgNs = 'http://www.w3.org/2000/svg';
  const icon = d.createElementNS(svgNs, 'svg');
  icon.setAttribute('viewBox', '0 0 24 24');
  icon.setAttribute('aria-hidden', 'true');
  const path = d.createElementNS(svgNs, 'path');
  path.setAttribute(
    'd',
    'M12 3C6.5 3 2 6.9 2 11.7c0 2.4 1.1 4.5 2.9 6.1L4 21.4l4.4-1.8c1.1.4 2.3.6 3.6.6 5.5 0 10-3.9 10-8.6S17.5 3 12 3z',
  );
  icon.appendChild(path);
  const label = el('span', 'label');
  const dot = el('span', 'dot');
  const badge = el('span', 'badge');
  badge.hidden = true;
  for (const n of [icon, label, dot, badge]) button.appendChild(n);
  return { button, label, dot, badge };
}
