// Small pieces of the templates and resources pages: a state badge, a template@version link,
// an expiry with its relative time, and what a resource or request is called.
import { Time } from '../../components/Time.jsx';
import { LIVE, resourceHref, stateText, templateHref } from './shared.js';
import { Breakable } from '../../components/Breakable.jsx';
import { MaybeLink } from '../../components/MaybeLink.jsx';

/** A state as a badge; its class is the state, so each kind of state has its colour. */
export function StateBadge({ state }) {
  return <span class={`pstate ${state ?? ''}`}>{stateText(state)}</span>;
}

/** name@version, linking to the template page at that version. */
export function TemplateRef({ name, version }) {
  return <MaybeLink href={templateHref(name, version)} needs="templates.template.read"><Breakable text={`${name}@${version}`} /></MaybeLink>;
}

/** When something ends: its local time (UTC on hover) with "in 7 days" beside it; red once past. */
export function Expiry({ at }) {
  if (!at) return <>never</>;
  const past = Date.parse(at) <= Date.now();
  return <span class={past ? 'expiry expired' : 'expiry'}><Time at={at} relative /></span>;
}

/** What a resource or request is called ("orders_dev · mariadb · dev"; older rows: by number). */
export function resourceName(x, what = 'Resource') {
  return x?.name || `${what} ${x?.id ?? ''}`.trim();
}

/** A resource in a list of someone's or some team's things: its name (linked), its state, what the
 * list adds (who asked, which team) and, while it lives, when it expires. */
export function ResourceLine({ r, children }) {
  return (
    <li>
      <a href={resourceHref(r.id)}>{resourceName(r)}</a> <StateBadge state={r.state} />
      {children && <span class="hint"> {children}</span>}
      {LIVE.has(r.state) && <span class="hint"> · expires <Expiry at={r.expires_at} /></span>}
    </li>
  );
}
