/** Inline SVG icons (stroke icons on a 24-unit grid; colour from `currentColor`). */
import type { ComponentChildren } from 'preact';
import type { VisitorStatus } from '../../functions/protocol/events.js';
import { STATUS_HINT, STATUS_LABEL } from '../grid.js';

function Svg({ children, size = 16, class: cls }: { children: ComponentChildren; size?: number; class?: string }) {
  return (
    <svg
      class={cls ? `ic ${cls}` : 'ic'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
    >
      {children}
    </svg>
  );
}

const BUBBLE = 'M20.5 11.5a8 8 0 0 1-11.7 7.1L4 20l1.3-4.3a8 8 0 1 1 15.2-4.2z';

const STATUS_GLYPH: Record<VisitorStatus, ComponentChildren> = {
  'waiting-for-chat': (
    <>
      <path d={BUBBLE} />
      <path d="M12.5 7.5v4.2M12.5 15h.01" />
    </>
  ),
  'waiting-for-response': (
    <>
      <path d={BUBBLE} />
      <path d="M8.8 11.5h.01M12.5 11.5h.01M16.2 11.5h.01" />
    </>
  ),
  'operator-waiting': (
    <>
      <path d="M4 12a8 8 0 1 0 2.4-5.7" />
      <path d="M4 4v4h4" />
      <path d="M12 8v4l2.5 2" />
    </>
  ),
  'chatted-invited': (
    <>
      <path d={BUBBLE} />
      <path d="M9 11.6l2.3 2.3 4.4-4.6" />
    </>
  ),
  returning: (
    <>
      <path d="M20 12a8 8 0 1 1-2.3-5.7" />
      <path d="M20 4v4h-4" />
      <path d="M12 9v3h3" />
    </>
  ),
  'no-activity': (
    <>
      <path d="M2.5 12s3.5-6.5 9.5-6.5 9.5 6.5 9.5 6.5-3.5 6.5-9.5 6.5S2.5 12 2.5 12z" />
      <circle cx="12" cy="12" r="2.6" />
    </>
  ),
};

/** One of the seed's six visitor statuses: its own icon and colour, with the label as tooltip. */
export function StatusIcon({ status, departed }: { status: VisitorStatus; departed?: boolean }) {
  return (
    <span
      class={`st st-${status}${departed ? ' st-departed' : ''}`}
      title={`${STATUS_LABEL[status]} — ${STATUS_HINT[status]}${departed ? ' (departed)' : ''}`}
      data-status={status}
    >
      <Svg size={15}>{STATUS_GLYPH[status]}</Svg>
      <span class="sr-only">{STATUS_LABEL[status]}</span>
    </span>
  );
}

export function DeviceIcon({ device }: { device?: string }) {
  if (device === 'mobile' || device === 'wearable')
    return (
      <Svg size={14}>
        <rect x="7" y="2.5" width="10" height="19" rx="2" />
        <path d="M11 18.5h2" />
      </Svg>
    );
  if (device === 'tablet')
    return (
      <Svg size={14}>
        <rect x="4.5" y="2.5" width="15" height="19" rx="2" />
        <path d="M11 18.5h2" />
      </Svg>
    );
  return (
    <Svg size={14}>
      <rect x="2.5" y="4" width="19" height="12.5" rx="1.5" />
      <path d="M8 20.5h8M12 16.5v4" />
    </Svg>
  );
}

export const SearchIcon = () => (
  <Svg size={15}>
    <circle cx="11" cy="11" r="6.5" />
    <path d="M20 20l-4.2-4.2" />
  </Svg>
);

export const SoundIcon = ({ on }: { on: boolean }) => (
  <Svg size={15}>
    <path d="M4 9.5h3.5L12 5.5v13l-4.5-4H4z" />
    {on ? <path d="M15.5 9a4 4 0 0 1 0 6M18 6.5a7.5 7.5 0 0 1 0 11" /> : <path d="M16 9.5l5 5M21 9.5l-5 5" />}
  </Svg>
);

export const CloseIcon = () => (
  <Svg size={16}>
    <path d="M6 6l12 12M18 6L6 18" />
  </Svg>
);

export const SortIcon = ({ dir }: { dir?: 'asc' | 'desc' }) => (
  <Svg size={12} class={`sort-ic${dir ? ' on' : ''}`}>
    {dir === 'desc' ? (
      <path d="M6 9l6 6 6-6" />
    ) : dir === 'asc' ? (
      <path d="M6 15l6-6 6 6" />
    ) : (
      <path d="M8 10l4-4 4 4M8 14l4 4 4-4" />
    )}
  </Svg>
);

export const WarnIcon = () => (
  <Svg size={16}>
    <path d="M12 3.5l9.5 16.5h-19z" />
    <path d="M12 10v4.2M12 17.2h.01" />
  </Svg>
);

export const ChatIcon = () => (
  <Svg size={14}>
    <path d={BUBBLE} />
  </Svg>
);

export const ExternalIcon = () => (
  <Svg size={12}>
    <path d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5" />
  </Svg>
);

export const BellIcon = ({ size = 16 }: { size?: number }) => (
  <Svg size={size}>
    <path d="M6 9.5a6 6 0 0 1 12 0c0 5 2 6.5 2 6.5H4s2-1.5 2-6.5z" />
    <path d="M10 19.5a2.2 2.2 0 0 0 4 0" />
  </Svg>
);

export const PauseIcon = ({ size = 14 }: { size?: number }) => (
  <Svg size={size}>
    <path d="M9 5.5v13M15 5.5v13" />
  </Svg>
);

export const PlayIcon = ({ size = 14 }: { size?: number }) => (
  <Svg size={size}>
    <path d="M7.5 5l11 7-11 7z" />
  </Svg>
);

export const TransferIcon = () => (
  <Svg size={14}>
    <path d="M4 8h14M14.5 4.5L18 8l-3.5 3.5" />
    <path d="M20 16H6M9.5 12.5L6 16l3.5 3.5" />
  </Svg>
);

export const AddUserIcon = () => (
  <Svg size={14}>
    <circle cx="9.5" cy="8" r="3.5" />
    <path d="M3 20c.6-3.6 3.3-5.5 6.5-5.5s5.9 1.9 6.5 5.5M19 8v6M16 11h6" />
  </Svg>
);

export const LeaveIcon = () => (
  <Svg size={14}>
    <path d="M14 4.5H6.5a1.5 1.5 0 0 0-1.5 1.5v12a1.5 1.5 0 0 0 1.5 1.5H14" />
    <path d="M10.5 12H20M16.5 8.5L20 12l-3.5 3.5" />
  </Svg>
);

export const MailIcon = () => (
  <Svg size={14}>
    <rect x="3" y="5.5" width="18" height="13" rx="2" />
    <path d="M3.5 7l8.5 6 8.5-6" />
  </Svg>
);

export const CannedIcon = () => (
  <Svg size={15}>
    <path d="M13 2.5L4.5 13.5H12l-1 8 8.5-11H12z" />
  </Svg>
);

export const ChevronIcon = ({ up }: { up?: boolean }) => (
  <Svg size={14}>
    <path d={up ? 'M6 15l6-6 6 6' : 'M6 9l6 6 6-6'} />
  </Svg>
);

export const ListIcon = () => (
  <Svg size={14}>
    <path d="M8.5 6.5h12M8.5 12h12M8.5 17.5h12M4 6.5h.01M4 12h.01M4 17.5h.01" />
  </Svg>
);

export const EndIcon = () => (
  <Svg size={14}>
    <circle cx="12" cy="12" r="8.5" />
    <path d="M9 9l6 6M15 9l-6 6" />
  </Svg>
);

export const EditIcon = () => (
  <Svg size={13}>
    <path d="M4 20h4L19 9l-4-4L4 16z" />
  </Svg>
);

export const TrashIcon = () => (
  <Svg size={13}>
    <path d="M4.5 6.5h15M9.5 6.5V4.5h5v2M6.5 6.5l1 13h9l1-13" />
  </Svg>
);
