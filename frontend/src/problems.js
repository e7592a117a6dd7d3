// What a problem (api.js's Problem: an API answer that failed, or one of the portal's own checks)
// says to people: a heading in words for what kind of failure it is, never HTTP's status text
// ("Unprocessable Content"), and its detail as a sentence; a refusal (403) says in words what the
// person cannot do and where ("You can't write team platform's secrets"), never a permission id.
// components/Problem.jsx shows them; every page that shows a problem goes through it (or, in a
// status line, problemText).
import { Problem } from './api.js';
import { sentence } from './format.js';

const HEADINGS = {
  400: 'Portico could not read that',
  401: 'Not logged in',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Not something that can be done here',
  409: 'Not possible as things are',
  410: 'Gone',
  412: 'Changed meanwhile',
  413: 'Too large',
  415: 'Not a kind of content Portico reads',
  422: 'Some values are not right',
  429: 'Too many requests for now',
  502: 'Another system did not answer as expected',
  503: 'Portico is not available right now',
  504: 'Another system did not answer in time',
};

/** The heading of a problem, in words ("Some values are not right", "Not allowed"). */
export function problemHeading(problem) {
  if (!problem.status) return problem.title || 'Portico cannot be reached';
  return HEADINGS[problem.status] ?? (problem.status >= 500 ? 'Something went wrong in Portico' : 'That did not work');
}

/** The problem's detail as a sentence ('' for none); a refusal's in words (refusalText). */
export function problemDetail(problem) {
  if (problem.status === 403) return refusalText(problem);
  if (problem.status === 429 && !problem.detail) return 'Wait a moment and try again.';
  return sentence(problem.detail);
}

// ---- refusals -----------------------------------------------------------------------------

// What each permission lets one do, as a verb and what it acts on ("write", "secrets"); `for`
// when it acts for a place rather than on the place's things ("request resources for team web");
// `self` when an entity in scope is the thing itself ("change component:default/x").
// A permission not listed is read from its id ("area.thing.verb": verb things).
export const PERMISSION_WORDS = {
  'iam.user.read': ['see', 'users'],
  'iam.team.read': ['see', 'teams'],
  'iam.role.read': ['see', 'roles, bindings and policies'],
  'iam.explain': ['ask why', 'someone holds a permission'],
  'iam.user.write': ['create or change', 'users'],
  'iam.team.write': ['create or change', 'teams'],
  'iam.role.write': ['create or change', 'roles'],
  'iam.binding.write': ['give or take', 'roles'],
  'iam.policy.write': ['create or change', 'policies'],
  'iam.unlock': ['unlock', 'logins'],
  'audit.event.read': ['read', 'the audit log'],
  'audit.event.export': ['export', 'the audit log'],
  'catalog.entity.read': ['see', 'catalog entities', 'self'],
  'catalog.entity.write': ['change', 'catalog entities', 'self'],
  'catalog.import': ['import', 'catalog entities', 'self'],
  'catalog.instance.register': ['register', 'instances'],
  'catalog.entity.delete': ['delete', 'catalog entities', 'self'],
  'catalog.location.write': ['change', 'catalog locations'],
  'secrets.secret.read': ['read', 'secrets'],
  'secrets.secret.write': ['write', 'secrets'],
  'secrets.reveal': ['reveal', 'secrets'],
  'secrets.secret.destroy': ['destroy', 'secrets'],
  'templates.template.read': ['see', 'templates'],
  'templates.template.write': ['write', 'templates'],
  'templates.template.publish': ['publish', 'templates'],
  'templates.template.trust': ['trust', 'templates'],
  'provision.request.read': ['see', 'requests'],
  'provision.resource.read': ['see', 'resources'],
  'provision.request.create': ['request', 'resources', 'for'],
  'provision.resource.renew': ['renew', 'resources'],
  'provision.resource.delete': ['delete', 'resources'],
  'provision.request.approve': ['approve', 'requests'],
};

const PERMISSION_ID = /\b[a-z]+(?:\.[a-z_]+)+\b/;

/** [verb, object, how] for a permission id: the table's words, else read from the id. */
export function permissionWords(id) {
  if (PERMISSION_WORDS[id]) return PERMISSION_WORDS[id];
  const parts = id.split('.');
  const verb = parts[parts.length - 1].replaceAll('_', ' ');
  const thing = parts.length > 2 ? `${parts[parts.length - 2].replaceAll('_', ' ')}s` : parts[0];
  return [verb, thing];
}

/** A secret path as the place it belongs to: team/web/... -> team web; entity/component/default/x/... -> component:default/x. */
export function scopeOfPath(path) {
  const team = /^team\/([^/]+)\//.exec(path);
  if (team) return { type: 'team', id: team[1] };
  const entity = /^entity\/([^/]+)\/([^/]+)\/([^/]+)\//.exec(path);
  return entity ? { type: 'entity', id: `${entity[1]}:${entity[2]}/${entity[3]}` } : null;
}

// What the API said before its refusals carried `permission` and `scope`: the permission id in
// the detail, and the place after it ("on team web", "on templates of team web", "for
// component:default/x", "on team/web/db").
function legacyRefusal(detail) {
  const permission = PERMISSION_ID.exec(detail)?.[0];
  if (!permission) return null;
  const after = detail.slice(detail.indexOf(permission) + permission.length);
  let scope = null;
  const team = /\bteam ([^\s,;:()]+)/.exec(after);
  const place = /^\s+(?:on|for) ([^\s,;()]+)/.exec(after);
  if (team) scope = { type: 'team', id: team[1] };
  else if (place) scope = /^(team|entity)\//.test(place[1]) ? scopeOfPath(place[1]) : { type: 'entity', id: place[1] };
  const policy = /^policy (\S+) refuses/.exec(detail)?.[1];
  const token = /token's scopes/.test(detail);
  return { permission, scope, policy, token };
}

/** "You can't write team platform's secrets": what a refusal means, from its permission and place. */
export function cannotText(permission, scope, words) {
  const [verb, object, how] = words ?? permissionWords(permission);
  let what = `${verb} ${object}`;
  if (scope?.type === 'team') what = how === 'for' ? `${verb} ${object} for team ${scope.id}` : `${verb} team ${scope.id}'s ${object.replace(/^the /, '')}`;
  else if (scope?.type === 'entity' && how === 'self') what = `${verb} ${scope.id}`;
  else if (scope?.type === 'entity') what = how === 'for' ? `${verb} ${object} for ${scope.id}` : `${verb} the ${object.replace(/^the /, '')} of ${scope.id}`;
  return what;
}

const ASK = 'An administrator, or a maintainer of your team, can give you a role that allows it.';

/**
 * A refusal in words. The API's problem may carry `permission`, `permission_text` (its words)
 * and `scope` ({type: 'team'|'entity', id}) with a detail in words already: that detail is used.
 * Without them (or with a detail that names a permission id) the sentence is made here from the
 * permission id in the detail and PERMISSION_WORDS.
 */
export function refusalText(problem) {
  const raw = problem.raw ?? {};
  const detail = String(problem.detail ?? '');
  if (raw.permission && detail && !PERMISSION_ID.test(detail)) return sentence(detail);
  const parsed = legacyRefusal(detail) ?? {};
  const permission = raw.permission ?? parsed.permission;
  if (!permission) return sentence(detail) || "You can't do this here.";
  const place = raw.scope && ['team', 'entity'].includes(raw.scope.type) ? raw.scope : null;
  const scope = raw.permission ? place : parsed.scope;
  const text = raw.permission_text && /\s/.test(raw.permission_text) ? raw.permission_text : '';
  const what = cannotText(permission, scope, text ? [text.replace(/\s.*$/, ''), text.replace(/^\S+\s*/, ''), PERMISSION_WORDS[permission]?.[2]] : undefined);
  if (parsed.token || /\btoken\b/.test(detail)) return `This API token can't ${what}: its scopes leave that out.`;
  if (parsed.policy || /^policy /.test(detail)) return `The policy ${parsed.policy ?? /^policy (\S+)/.exec(detail)[1]} does not let you ${what}.`;
  return `You can't ${what}. ${ASK}`;
}

/** A refusal the portal knows of itself (a place the API hides behind 404): a Problem of status 403. */
export function refusal(permission, scope = null) {
  const problem = new Problem({ status: 403, detail: '' });
  problem.raw = { permission, scope };
  return problem;
}

/** Heading and detail in one line, for a status line: "Portico is not available right now: ..." */
export function problemText(problem) {
  const detail = problemDetail(problem);
  return detail ? `${problemHeading(problem)}: ${detail}` : `${problemHeading(problem)}.`;
}

/** A field's name as words, for a field error the form does not show: "max_versions" -> "max versions". */
export const fieldText = (field) => field.replace(/[._/]+/g, ' ').trim();
