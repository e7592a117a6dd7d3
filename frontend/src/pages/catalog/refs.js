// Entity refs as the catalog writes them ("component:default/payments", lower-case) and the
// portal's addresses for them: the entity page, the API paths, and short labels for people.

/** "component:default/payments" -> {kind: 'component', namespace: 'default', name: 'payments'}; null when it is no ref. */
export function parseRef(ref) {
  const m = /^([^:/]+):([^/]+)\/(.+)$/.exec(ref ?? '');
  return m ? { kind: m[1], namespace: m[2], name: m[3] } : null;
}

const KINDS = ['component', 'api', 'resource', 'system', 'domain', 'group', 'user', 'location'];
const NAME = /^[A-Za-z0-9]+([-_.][A-Za-z0-9]+)*$/;
const NAMESPACE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * A ref as people type it, "[kind:][namespace/]name", as the catalog reads it (lib/catalog):
 * the kind defaults to defaultKind, the namespace to "default"; the full, lower-case ref
 * ("component:default/ledger-worker"), or null when it is no ref (or names an unknown kind).
 */
export function fullRef(text, defaultKind = 'component') {
  const t = String(text ?? '').trim();
  const colon = t.indexOf(':');
  const kind = (colon >= 0 ? t.slice(0, colon) : defaultKind).toLowerCase();
  const rest = colon >= 0 ? t.slice(colon + 1) : t;
  const slash = rest.indexOf('/');
  const ns = slash >= 0 ? rest.slice(0, slash) : 'default';
  const name = slash >= 0 ? rest.slice(slash + 1) : rest;
  if (!KINDS.includes(kind) || ns.length > 63 || name.length > 63 || !NAMESPACE.test(ns) || !NAME.test(name)) return null;
  return `${kind}:${ns}/${name.toLowerCase()}`;
}

const enc = encodeURIComponent;

/** The entity page of a ref (or of {kind, namespace, name}). */
export function entityHref(ref) {
  const r = typeof ref === 'string' ? parseRef(ref) : ref;
  return r ? `/catalog/entity/${enc(r.kind.toLowerCase())}/${enc(r.namespace)}/${enc(r.name)}` : null;
}

/** The API path of an entity, for GET /catalog + this (+ /relations, /graph, /instances). */
export function entityApiPath(r) {
  return `/catalog/entities/${enc(r.kind)}/${enc(r.namespace)}/${enc(r.name)}`;
}

/**
 * A ref for people: the namespace left out when it is "default", the kind when it is the one
 * expected there ("group:default/web", "group" -> "web").
 */
export function refLabel(ref, expectedKind) {
  const r = parseRef(ref);
  if (!r) return ref;
  const where = r.namespace === 'default' ? r.name : `${r.namespace}/${r.name}`;
  return expectedKind && r.kind === expectedKind.toLowerCase() ? where : `${r.kind}:${where}`;
}

/** The catalog browser with these filters (empty ones left out): "/catalog?kind=Component&q=pay". */
export function catalogHref(filters) {
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  return params ? `/catalog?${params}` : '/catalog';
}

/** Relations by type, in the words of the entity page (the API's names are the key). */
export const RELATION_LABELS = {
  ownedBy: 'Owned by',
  ownerOf: 'Owner of',
  partOf: 'Part of',
  hasPart: 'Has part',
  dependsOn: 'Depends on',
  dependencyOf: 'Dependency of',
  providesApi: 'Provides API',
  apiProvidedBy: 'API provided by',
  consumesApi: 'Consumes API',
  apiConsumedBy: 'API consumed by',
  childOf: 'Child of',
  parentOf: 'Parent of',
  hasMember: 'Has member',
  memberOf: 'Member of',
};

/** The order relation groups appear in: what it is part of and who owns it first. */
export const RELATION_ORDER = Object.keys(RELATION_LABELS);
