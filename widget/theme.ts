/**
 * The widget's appearance from the site's settings, applied at run time: CSS variables on the
 * shadow host (CSSOM, so a strict CSP allows it) and corner classes on the wrapper. Shared by the
 * loader and the console's embed preview, so the preview is themed by the very same code.
 */
import type { WidgetSettings } from '../functions/protocol/events.js';

const HEX = /^#[0-9a-fA-F]{6}$/;

export function theme(host: HTMLElement, wrap: HTMLElement, cfg: Partial<WidgetSettings>): void {
  // Anything but #rrggbb is ignored: the stylesheet's defaults stay.
  const color = (name: string, v: string | undefined) => host.style.setProperty(name, v && HEX.test(v) ? v : '');
  color('--parley-color', cfg.color);
  color('--parley-color-text', cfg.textColor);
  wrap.classList.toggle('left', cfg.position === 'left');
  wrap.classList.toggle('top', cfg.vertical === 'top');
}
