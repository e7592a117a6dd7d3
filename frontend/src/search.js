// What the global search looks through: one entry per kind of thing, the area's own list with its
// text filter, the permission that area needs (a kind the person may not read is not asked), and
// how a row of its answer becomes a result labelled by what it is.
import { api, Problem } from './api.js';
import { entityHref, refLabel } from './pages/catalog/refs.js';
import { secretHref } from './pages/secrets/paths.js';
import { resourceHref, templateHref } from './pages/provision/shared.js';

const capital = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);
const API_KINDS = { api: 'API' };

export const SEARCH_KINDS = [
  {
    key: 'catalog',
    title: 'Catalog',
    needs: 'catalog.entity.read',
    path: '/catalog/entities',
    member: 'items',
    query: (q) => ({ q }),
    result: (e) => ({
      id: `catalog:${e.ref}`,
      kind: API_KINDS[e.kind] ?? capital(e.kind),
      label: e.title || e.name,
      detail: [refLabel(e.ref), e.type].filter(Boolean).join(' · '),
      href: entityHref(e.ref),
    }),
  },
  {
    key: 'templates',
    title: 'Templates',
    needs: 'templates.template.read',
    path: '/templates',
    member: 'templates',
    query: (q) => ({ q }),
    result: (t) => ({
      id: `template:${t.name}`,
      kind: 'Template',
      label: t.latest?.title || t.name,
      detail: `${t.name}@${t.latest?.version ?? ''} · team ${t.owner_team}`,
      href: templateHref(t.name),
    }),
  },
  {
    key: 'resources',
    title: 'Resources',
    needs: 'provision.resource.read',
    path: '/provision/resources',
    member: 'resources',
    query: (q) => ({ q }),
    result: (r) => ({
      id: `resource:${r.id}`,
      kind: 'Resource',
      label: r.name || `Resource ${r.id}`,   /* "orders_dev · mariadb · dev" */
      detail: `${r.template}@${r.version} · ${r.environment} · ${r.team} · ${r.uid}`,
      href: resourceHref(r.id),
    }),
  },
  {
    key: 'secrets',
    title: 'Secrets',
    needs: 'secrets.secret.read',
    path: '/secrets/metadata',
    member: 'items',
    // the API takes a part of a path only: other text cannot be in one
    accepts: (q) => /^[A-Za-z0-9._/-]+$/.test(q),
    query: (q) => ({ q }),
    result: (s) => ({
      id: `secret:${s.path}`,
      kind: 'Secret',
      label: s.path,
      detail: `version ${s.current_version}${s.team ? ` · team ${s.team}` : ''}`,
      href: secretHref(s.path),
    }),
  },
];

/** The kinds this session may search (and, for q, the ones whose filter can take it). */
export function searchKinds(session, q) {
  return SEARCH_KINDS.filter((k) => session.can(k.needs) && (q === undefined || !k.accepts || k.accepts(q)));
}

/** One kind's first results for q: {kind, results, next_cursor} or {kind, problem}. */
export async function searchKind(kind, q, limit, cursor) {
  try {
    const answer = await api(kind.path, { query: { ...kind.query(q), limit, cursor } });
    return { kind, results: (answer[kind.member] ?? []).map(kind.result), next_cursor: answer.next_cursor ?? null };
  } catch (problem) {
    if (!(problem instanceof Problem)) throw problem;
    return { kind, results: [], problem };
  }
}

/** The address of the results page for q. */
export const searchHref = (q) => `/search?${new URLSearchParams({ q })}`;
