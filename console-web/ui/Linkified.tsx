import { linkParts } from '../../widget/core/links.js';

/**
 * A message's text with its URLs and e-mail addresses as links (linkifyjs finds them; only
 * http(s) and mailto become links). Everything is a Preact text node or an <a>: never HTML.
 */
export function Linkified({ text }: { text: string }) {
  const parts = linkParts(text);
  if (parts.length === 1 && !parts[0]?.href) return <>{text}</>;
  return (
    <>
      {parts.map((p, i) =>
        p.href ? (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer" data-testid="message-link">
            {p.text}
          </a>
        ) : (
          p.text
        ),
      )}
    </>
  );
}
