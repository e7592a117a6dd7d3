// Events of the audit log as sentences for people: "alice changed payments", "Resource 12 became
// ready", each naming its thing with a link to its page, and when it happened.
import { entityHref, refLabel } from '../pages/catalog/refs.js';
import { secretHref } from '../pages/secrets/paths.js';
import { requestHref, resourceHref, templateHref } from '../pages/provision/shared.js';
import { Time } from './Time.jsx';

// What someone did to a thing ("<who> <verb> <thing>")...
const DONE = {
  'catalog.entity.create': 'added',
  'catalog.entity.update': 'changed',
  'catalog.entity.delete': 'deleted',
  'catalog.entity.adopt': 'adopted',
  'secrets.write': 'wrote a new version of',
  'secrets.reveal': 'revealed',
  'secrets.delete': 'deleted versions of',
  'secrets.undelete': 'restored versions of',
  'secrets.destroy': 'destroyed versions of',
  'secrets.remove': 'removed',
  'provision.request.create': 'made',
  'provision.request.approve': 'approved',
  'provision.request.reject': 'rejected',
  'provision.request.cancel': 'cancelled',
  'provision.resource.delete': 'asked to deprovision',
  'provision.resource.renew': 'renewed',
  'provision.job.cancel': 'cancelled',
  'templates.create': 'added',
  'templates.update': 'replaced',
  'templates.delete': 'deleted',
  'templates.scan': 'scanned',
  'templates.publish': 'published',
  'templates.deprecate': 'deprecated',
  'templates.trust': 'changed the trust of',
};

// ...and what happened to it ("<thing> <happened>"), the runner's doing.
const HAPPENED = {
  'catalog.entity.orphan': 'is no longer in its location',
  'provision.resource.ready': 'became ready',
  'provision.resource.failed': 'failed to provision',
  'provision.resource.expire': 'expired: deprovisioning',
  'provision.resource.deprovisioned': 'was deprovisioned',
  'provision.resource.deprovision_failed': 'failed to deprovision',
};

/** What an event's target is, in words, and its page (null when it has none). */
export function targetOf(e) {
  const id = e.target_id ?? '';
  switch (e.target_type) {
    case 'entity': return { label: refLabel(id), href: entityHref(id) };
    case 'secret': return { label: id, href: secretHref(id) };
    case 'resource': return { label: `resource ${id}`, href: resourceHref(id) };
    case 'provision_request': return { label: `request ${id}`, href: requestHref(id) };
    case 'job': return { label: `job ${id}`, href: null };
    case 'template': {
      const [name, version] = id.split('@');
      return { label: id, href: templateHref(name, version) };
    }
    default: return { label: id, href: null };
  }
}

function actorText(e) {
  if (e.actor_type === 'runner') return 'Portico';
  if (e.actor_type === 'admin-tool') return `${e.actor_name ?? 'an operator'} (portico-admin)`;
  return e.actor_name ?? 'someone';
}

const OUTCOME = { failure: ' (it failed)', denied: ' (it was refused)' };

/** One event as a sentence with its thing linked. */
export function EventText({ event: e }) {
  const t = targetOf(e);
  const thing = t.href ? <a href={t.href}>{t.label}</a> : <span>{t.label}</span>;
  const outcome = OUTCOME[e.outcome] ?? '';
  if (HAPPENED[e.action]) return <>{thing} {HAPPENED[e.action]}{outcome}</>;
  if (DONE[e.action]) return <>{actorText(e)} {DONE[e.action]} {thing}{outcome}</>;
  return <>{actorText(e)}: {e.action} on {thing}{outcome}</>;
}

/** The events as a list, newest first, each with when it happened. */
export function ActivityList({ events, label }) {
  return (
    <ul class="activity" aria-label={label}>
      {events.map((e) => (
        <li key={e.id}>
          <span class="activity-text"><EventText event={e} /></span>
          <span class="hint activity-time"><Time at={e.time} /></span>
        </li>
      ))}
    </ul>
  );
}
