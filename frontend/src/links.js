// Links that come from data (a notification's link): made into portal addresses, or refused.
// No imports, so that node runs its test without a browser (tests/links.test.mjs).

// The characters of a same-origin path, query and fragment, as written: no backslash (browsers
// read `/\host` as `//host`, another origin), no space or control character (browsers drop tabs
// and newlines, so `/\t/host` is `//host` too), nothing outside ASCII.
const PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*$/;

/**
 * A notification's link as a portal address: the API's paths of requests and resources become
 * their pages; other paths of the portal (same origin, not under /api/) stay; anything else —
 * another origin (`//host`, `/\host`, `\\host`, `https://…`), a scheme (`javascript:`), `/api/…`
 * — is null: not linked.
 */
export function portalLink(link) {
  if (typeof link !== 'string' || !PATH.test(link)) return null;
  const m = /^(?:\/api\/v1)?\/provision\/(resources|requests)\/([0-9]+)(?=$|[/?#])/.exec(link);
  if (m) return m[1] === 'resources' ? `/resources/${m[2]}` : `/resources/requests/${m[2]}`;
  return /^\/api(?:$|[/?#])/.test(link) ? null : link;
}
