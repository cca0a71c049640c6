/** A button with a panel under (or above) it, and a modal dialog. Esc and a click outside close both. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useEscapeLayer } from './escape-layers.js';
import { CloseIcon } from './icons.js';

/** Closes on Escape (the top-most layer only, so panels behind stay open) and on a press outside `ref`. */
function useDismiss(ref: { current: HTMLElement | null }, open: boolean, close: () => void, outside = true): void {
  useEscapeLayer(open, close);
  // The latest `close`, read when a press comes: the listener stays put across renders.
  const latest = useRef(close);
  latest.current = close;
  useEffect(() => {
    if (!open || !outside) return;
    const onDown = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) latest.current();
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [open, outside, ref]);
}

export function Dropdown({
  label,
  icon,
  testid,
  title,
  disabled,
  buttonClass = 'btn btn-ghost btn-sm',
  panelClass = '',
  align = 'left',
  up = false,
  onOpen,
  children,
}: {
  label: ComponentChildren;
  icon?: ComponentChildren;
  testid?: string;
  title?: string;
  disabled?: boolean;
  buttonClass?: string;
  panelClass?: string;
  align?: 'left' | 'right';
  up?: boolean;
  onOpen?: () => void;
  children: (close: () => void) => ComponentChildren;
}) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(() => setOpen(false)).current;
  useDismiss(ref, open, close);
  useEffect(() => {
    if (!open) return;
    const first = ref.current?.querySelector<HTMLElement>('.pop [data-autofocus], .pop input, .pop button');
    first?.focus();
  }, [open]);
  return (
    <div class="pop-wrap" ref={ref}>
      <button
        type="button"
        class={`${buttonClass}${open ? ' pressed' : ''}`}
        aria-expanded={open}
        aria-haspopup="dialog"
        data-testid={testid}
        title={title}
        disabled={disabled}
        onClick={() => {
          if (!open) onOpen?.();
          setOpen(!open);
        }}
      >
        {icon}
        {label}
      </button>
      {open && (
        <div class={`pop pop-${align}${up ? ' pop-up' : ''} ${panelClass}`} role="dialog">
          {children(close)}
        </div>
      )}
    </div>
  );
}

export function Modal({
  title,
  onClose,
  testid,
  wide,
  children,
}: {
  title: ComponentChildren;
  onClose: () => void;
  testid?: string;
  wide?: boolean;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, true, onClose, false);
  useEffect(() => {
    const el = ref.current;
    const first = el?.querySelector<HTMLElement>('[data-autofocus]') ?? el?.querySelector<HTMLElement>('input, button');
    const before = document.activeElement as HTMLElement | null;
    first?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div
      class="modal-back"
      onPointerDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        class={wide ? 'modal modal-wide' : 'modal'}
        role="dialog"
        aria-modal="true"
        aria-label={typeof title === 'string' ? title : undefined}
        data-testid={testid}
        ref={ref}
      >
        <div class="modal-head">
          <h2>{title}</h2>
          <button type="button" class="icon-btn" aria-label="Close" title="Close" onClick={onClose}>
            <CloseIcon />
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}
