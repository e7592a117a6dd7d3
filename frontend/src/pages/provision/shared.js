// What the templates and resources pages share: the portal's addresses for templates, requests
// and resources; a keyset-paged list whose answer names its rows (`templates`, `resources`, ...);
// and send, a change with headers of its own (an Idempotency-Key).
import { api } from '../../api.js';
import { useApi, useMorePages } from '../../hooks.js';

const enc = encodeURIComponent;

export const templateHref = (name, version) => `/templates/${enc(name)}${version ? `?version=${enc(version)}` : ''}`;
export const requestFormHref = (name, version) => `/templates/${enc(name)}/request${version ? `?version=${enc(version)}` : ''}`;
export const resourceHref = (id) => `/resources/${enc(id)}`;
export const requestHref = (id) => `/resources/requests/${enc(id)}`;
export const templateApi = (name, ...rest) => ['/templates', enc(name), ...rest.map(enc)].join('/');

/** A template's names and versions as the API spells them (share/template.rng). */
export const NAME_PATTERN = '[a-z][a-z0-9_\\-]{0,62}';

/** A change through api.js (POST by default), with headers of its own; a refusal's whole
 * problem document is its `raw` (`findings`, `line`, ...). */
export const send = (path, { method = 'POST', body, type, headers } = {}) => api(path, { method, body, type, headers });

/** A key for Idempotency-Key: 128 random bits as hex (crypto.randomUUID needs a secure context). */
export function idempotencyKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A list the API pages by keyset whose rows are under `member` ({templates: [...], next_cursor}):
 * the first page for these filters and hooks.js's useMorePages after it.
 * {first (with a reload that starts again at the first page), items, cursor, loadMore, rows}. */
export function useKeysetList(path, filters, member) {
  const first = useApi(path, filters);
  const pages = useMorePages(path, filters, JSON.stringify([path, filters]), first, member);
  const reload = () => {
    pages.reset();
    first.reload();
  };
  return { ...pages, first: { ...first, reload } };
}

/** A scan finding as a line: the API may send "rule: where: what" or {rule, where, message}. */
export function findingText(f) {
  if (typeof f === 'string') return f;
  return [f.rule, f.where, f.message].filter(Boolean).join(': ');
}

/** Resource and request states that are still moving: a page showing one polls. */
/** States in which a resource may be renewed, and has an expiry to show. */
export const LIVE = new Set(['provisioning', 'ready', 'failed']);

export const MOVING = new Set(['provisioning', 'deprovisioning', 'queued', 'running', 'approved']);

/** "team web" or "entity component:default/payments": who a request or resource belongs to. */
export function ownerText(x) {
  if (x.entity) return x.team ? `${x.entity} (team ${x.team})` : x.entity;
  return x.team ?? '—';
}

/** Underscores and the like to words: "pending_approval" -> "pending approval". */
export const stateText = (s) => String(s ?? '').replaceAll('_', ' ');
