// Secret paths as the API writes them ("team/web/production/db-password",
// "entity/component/default/payments/api-key"), the rules their segments follow (lib/secrets.c),
// and the portal's addresses for them. Also a message a page leaves for the next one it leads
// to (a secret created, a secret deleted).

/** A segment: 1 to 63 letters, digits, '.', '_' or '-', not starting with '.' (an HTML pattern). */
export const SEGMENT_PATTERN = '[A-Za-z0-9_\\-][A-Za-z0-9._\\-]{0,62}';
/** What the start of a path may hold (a prefix to list by). */
export const PREFIX_PATTERN = '[A-Za-z0-9._\\-\\/]*';
export const PATH_MAX = 300;
export const VALUE_MAX_BYTES = 65536;
export const VERSIONS_MAX = 100;
/** The catalog's kinds, as an entity scope spells them. */
export const ENTITY_KINDS = ['component', 'api', 'resource', 'system', 'domain', 'group', 'user', 'location'];

const encoded = (path) => path.split('/').map(encodeURIComponent).join('/');

/** The portal page of a secret. */
export const secretHref = (path) => `/secrets/${encoded(path)}`;

/** The API path of a verb on a secret: secretApi('metadata', 'team/web/db') -> "/secrets/metadata/team/web/db". */
export const secretApi = (verb, path) => `/secrets/${verb}/${encoded(path)}`;

/** The query a change of a secret a resource manages carries once the person has confirmed it
 * (the API refuses a plain write or delete of one with 409 managed-secret). */
export const confirmManaged = (secret) => (secret?.managed_by ? '?confirm=managed' : '');

/** The portal page of a resource that manages a secret. */
export const managerHref = (secret) => `/resources/${encodeURIComponent(secret.managed_by.resource)}`;

/** The secrets browser with these filters (empty ones left out). */
export function browserHref(filters) {
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  return params ? `/secrets?${params}` : '/secrets';
}

/** The start of the paths of a team's secrets, or of an entity's ("component:default/payments"). */
export const teamPrefix = (team) => `team/${team}/`;
export function entityPrefix(ref) {
  const m = /^([^:/]+):([^/]+)\/(.+)$/.exec(ref ?? '');
  return m ? `entity/${m[1]}/${m[2]}/${m[3]}/` : '';
}

/** A path from its parts: {scope: 'team', team, environment, name} or {scope: 'entity', kind, namespace, entity, ...}. */
export function pathOf(v) {
  const owner = v.scope === 'entity' ? ['entity', v.kind, v.namespace, v.entity] : ['team', v.team];
  return [...owner, v.environment, v.name].filter(Boolean).join('/');
}

/** How many bytes a text takes as UTF-8 (the API's measure of a value). */
export const byteLength = (text) => new TextEncoder().encode(text).length;

let flash = '';

/** Leave a message for the next page (it shows it once). */
export function setFlash(text) {
  flash = text;
}

/** The message left for this page, once. */
export function takeFlash() {
  const text = flash;
  flash = '';
  return text;
}
