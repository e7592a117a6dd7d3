// Small pieces of the templates and resources pages: a state badge, a template@version link,
// an expiry with its relative time.
import { utcText } from '../../format.js';
import { relativeTime, stateText, templateHref } from './shared.js';

/** A state as a badge; its class is the state, so each kind of state has its colour. */
export function StateBadge({ state }) {
  return <span class={`pstate ${state ?? ''}`}>{stateText(state)}</span>;
}

/** name@version, linking to the template page at that version. */
export function TemplateRef({ name, version }) {
  return <a href={templateHref(name, version)} class="nowrap">{name}@{version}</a>;
}

/** When something ends: "in 7 days" with the exact UTC time beside it (or in its title when short). */
export function Expiry({ at, short = false }) {
  if (!at) return <>never</>;
  const past = Date.parse(at) <= Date.now();
  return (
    <time dateTime={at} title={short ? utcText(at) : undefined} class={past ? 'expired' : undefined}>
      {relativeTime(at)}
      {!short && <span class="hint"> ({utcText(at)})</span>}
    </time>
  );
}
