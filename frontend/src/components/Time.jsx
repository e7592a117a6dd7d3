// A time as the portal shows every time: the person's local time ("2 Dec 2026, 14:05") in a
// <time> element whose datetime is the API's RFC 3339 value and whose title is the UTC time, so
// hovering shows it; in a narrow column it may break after its comma. `relative` adds how far away it is ("in 3 months") beside it.
import { localText, relativeTime, utcText } from '../format.js';

// "2 Dec 2026, 14:05" may break after its comma (in a narrow column), nowhere else.
function halves(text) {
  const at = text.indexOf(', ');
  if (at < 0) return text;
  return <><span class="nowrap">{text.slice(0, at + 1)}</span> <span class="nowrap">{text.slice(at + 2)}</span></>;
}

export function Time({ at, relative = false, class: className }) {
  if (!at) return null;
  return (
    <>
      <time dateTime={at} title={utcText(at)} class={className ? `when ${className}` : 'when'}>{halves(localText(at))}</time>
      {relative && <span class="hint relative-time"> ({relativeTime(at)})</span>}
    </>
  );
}
