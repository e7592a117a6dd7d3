// What the templates and resources pages share: the portal's addresses for templates, requests
// and resources; a keyset-paged list whose answer names its rows (`templates`, `resources`, ...);
// times relative to now; and the few calls that need more than api.js gives (a header of their
// own, or members of a problem beyond `errors`: an Idempotency-Key, an XML error's line, a
// refused publish's findings).
import { useEffect, useRef, useState } from 'preact/hooks';
import { Problem, api, apiUrl } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';

const enc = encodeURIComponent;

export const templateHref = (name, version) => `/templates/${enc(name)}${version ? `?version=${enc(version)}` : ''}`;
export const requestFormHref = (name, version) => `/templates/${enc(name)}/request${version ? `?version=${enc(version)}` : ''}`;
export const resourceHref = (id) => `/resources/${enc(id)}`;
export const requestHref = (id) => `/resources/requests/${enc(id)}`;
export const templateApi = (name, ...rest) => ['/templates', enc(name), ...rest.map(enc)].join('/');

/** A template's names and versions as the API spells them (share/template.rng). */
export const NAME_PATTERN = '[a-z][a-z0-9_\\-]{0,62}';

/**
 * Call the API like api.js, with extra request headers, and keep the whole problem document:
 * the Problem it throws has `raw` (the JSON as sent: `findings`, `line`, ...). The session's
 * CSRF token is read from GET /auth/session (api.js keeps its copy to itself).
 */
export async function send(path, { method = 'POST', body, type, headers = {} } = {}) {
  const session = await api('/auth/session');
  const all = { Accept: 'application/json', ...headers };
  if (session.csrf_token) all['X-CSRF-Token'] = session.csrf_token;
  if (body !== undefined) all['Content-Type'] = type ?? 'application/json';
  let res;
  try {
    res = await fetch(apiUrl(path), {
      method,
      headers: all,
      body: body === undefined || type ? body : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new Problem({ title: 'Portico cannot be reached', detail: 'check the connection and try again' });
  }
  if (res.ok) return res.status === 204 ? null : res.json();
  let raw = null;
  if (/^application\/(problem\+)?json/.test(res.headers.get('Content-Type') ?? '')) raw = await res.json().catch(() => null);
  if (res.status === 401) await api('/auth/session').catch(() => {});   /* lets the session end as everywhere */
  const problem = raw
    ? new Problem({ status: res.status, ...raw })
    : new Problem({ status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: 'the server gave no explanation' });
  problem.raw = raw ?? {};
  throw problem;
}

/** A key for Idempotency-Key: 128 random bits as hex (crypto.randomUUID needs a secure context). */
export function idempotencyKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A list the API pages by keyset whose rows are under `member` ({templates: [...], next_cursor}):
 * the first page for these filters, and the pages "More" adds; after each, focus goes to the link
 * in the first new row of the table body given `rows`. {first, items, cursor, loadMore, rows}.
 * (hooks.js's useMorePages is the same for lists answering `items`.)
 */
export function useKeysetList(path, filters, member) {
  const first = useApi(path, filters);
  const key = JSON.stringify([path, filters]);
  const [extra, setExtra] = useState(null);
  const more = extra?.key === key ? extra : null;
  const items = [...(rowsOf(first.data, member)), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : first.data?.next_cursor;
  const loadMore = useAction(async () => {
    const page = await api(path, { query: { ...filters, cursor } });
    setExtra({ key, items: [...(more?.items ?? []), ...rowsOf(page, member)], cursor: page.next_cursor, focus: items.length });
    return page;
  });
  const rows = useRef(null);
  useEffect(() => {
    const el = rows.current;
    if (more?.focus !== undefined) (el?.rows ?? el?.children)?.[more.focus]?.querySelector('a, button')?.focus();
  }, [more]);
  const reload = () => {
    setExtra(null);
    first.reload();
  };
  return { first: { ...first, reload }, items, cursor, loadMore, rows };
}

function rowsOf(data, member) {
  if (!data) return [];
  for (const m of [].concat(member)) if (Array.isArray(data[m])) return data[m];
  return Array.isArray(data.items) ? data.items : [];
}

// Units by how far away: seconds under a minute, ... days under two months (an expiry reads
// best in days), months under two years.
const UNITS = [['second', 1, 60], ['minute', 60, 3600], ['hour', 3600, 2 * 86400], ['day', 86400, 60 * 86400],
  ['month', 30 * 86400, 730 * 86400], ['year', 365 * 86400, Infinity]];

/** An RFC 3339 time relative to now: "in 7 days", "3 hours ago" ('' for none). */
export function relativeTime(iso, now = Date.now()) {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return '';
  const seconds = Math.round((t - now) / 1000);
  const [unit, size] = UNITS.find(([, , below]) => Math.abs(seconds) < below);
  return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(Math.round(seconds / size), unit);
}

/** A scan finding as a line: the API may send "rule: where: what" or {rule, where, message}. */
export function findingText(f) {
  if (typeof f === 'string') return f;
  return [f.rule, f.where, f.message].filter(Boolean).join(': ');
}

/** Resource and request states that are still moving: a page showing one polls. */
export const MOVING = new Set(['provisioning', 'deprovisioning', 'queued', 'running', 'approved']);

/** "team web" or "entity component:default/payments": who a request or resource belongs to. */
export function ownerText(x) {
  if (x.entity) return x.team ? `${x.entity} (team ${x.team})` : x.entity;
  return x.team ?? '—';
}

/** Underscores and the like to words: "pending_approval" -> "pending approval". */
export const stateText = (s) => String(s ?? '').replaceAll('_', ' ');
