// The one way the portal talks to Portico's API: JSON in and out, the session's CSRF token on
// every change, and RFC 9457 problem documents turned into Problem values the pages can show.

let csrfToken = null;
let onUnauthenticated = () => {};

/** The CSRF token of the current session (from login or GET /auth/session); null to forget it. */
export function setCsrfToken(token) {
  csrfToken = token;
}

/** Called with the Problem when a request answers 401: the session has ended. */
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

/**
 * An error answer: status, title, detail, and for 422 the field errors keyed by field name
 * (`errors` keeps them as the API sent them: [{field, message}]).
 * An item of a list counts as the list ("scopes[2]", "permissions/2": "scopes", "permissions",
 * its message "item 3 ..."),
 * a member of an object is "object.member" ("conditions/kind": "conditions.kind"); several
 * messages for one field are joined.
 */
export class Problem extends Error {
  constructor({ status = 0, title = 'Error', detail = '', errors = [] }) {
    super(detail || title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
    this.raw = {};   // the problem document as sent, for members beyond these (findings, line, ...)
    this.fieldErrors = {};
    for (const e of errors) {
      const item = /^(.*?)(?:\[(\d+)\]|\/(\d+))$/.exec(e.field);
      const field = (item ? item[1] : e.field).replaceAll('/', '.');
      const message = item ? `item ${Number(item[2] ?? item[3]) + 1} ${e.message}` : e.message;
      this.fieldErrors[field] = this.fieldErrors[field] ? `${this.fieldErrors[field]}; ${message}` : message;
    }
  }

  /** The portal's own check of a form, as a problem: {field: message} (messages as the API's). */
  static fields(fieldErrors) {
    return new Problem({ status: 422, errors: Object.entries(fieldErrors).map(([field, message]) => ({ field, message })) });
  }
}

/** "/audit/events" + {actor: "x", since: ""} -> "/api/v1/audit/events?actor=x" (empty values left out). */
export function apiUrl(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, v);
  const qs = params.toString();
  return `/api/v1${path}${qs ? `?${qs}` : ''}`;
}

async function problemOf(res) {
  const type = res.headers.get('Content-Type') ?? '';
  if (/^application\/(problem\+)?json/.test(type)) {
    try {
      const raw = await res.json();
      const problem = new Problem({ status: res.status, ...raw });
      problem.raw = raw;
      return problem;
    } catch {
      /* not JSON after all: fall through */
    }
  }
  return new Problem({ status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: 'the server gave no explanation' });
}

/**
 * Call the API: api('/iam/users', {method: 'POST', body: {...}}) resolves to the JSON answer
 * and rejects with a Problem. A body given with `type` is sent as it is, with that Content-Type
 * (api('/catalog/import', {method: 'POST', body: yamlText, type: 'application/yaml'})); `headers`
 * adds request headers of the call's own (an Idempotency-Key).
 */
export async function api(path, { method = 'GET', body, query, type, headers: extra = {} } = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = type ?? 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(apiUrl(path, query), {
      method,
      headers,
      body: body === undefined || type ? body : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new Problem({ title: 'Portico cannot be reached', detail: 'check the connection and try again' });
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && path !== '/auth/login') onUnauthenticated(problem);
    throw problem;
  }
  return res.status === 204 ? null : res.json();
}
