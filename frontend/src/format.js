// Text for people: sentences from the API's lower-case messages, and times. Every time the portal
// shows is written here, in one format: the person's local time, "2 Dec 2026, 14:05" (fixed, not
// the browser's locale, so it reads the same on every page and screen), with the UTC time of it
// ("2026-12-02 13:05:07 UTC") for a title on hover; components/Time.jsx puts the two together.

// The words the API's (and the portal's own) messages start with. sentence() capitalises a
// leading word only when it is one of these: anything else that leads a message is a value (a
// name, a path, a ref, what someone typed) and keeps its case.
const OWN_WORDS = new Set(`a all already an another any approvers are at be because but by can cannot changing check choose
  commit conflict could did do does each either enter every exporting file for fork from git give
  given has have here holds if in invalid is it item its job keys line location log malformed may
  missing more must names needs neither no nobody none not nothing now of on one only or out pick
  pipe policy repeats request required resource revision role secrets send service should some
  someone something template that the there these this those to tokens too try unexpected unknown
  use version was we were what when which who why will with without would you your`.split(/\s+/));

/**
 * A message as a sentence: a full stop at the end, and its first letter up when it starts with a
 * word of the API's own text ("is not a team" -> "Is not a team."). A message that starts with a
 * value ("nosuchuser has no tokens", "'x' is taken", "component:default/x has changed") keeps it
 * as it is: sentence() never changes the case of a quoted or typed value.
 */
export function sentence(text) {
  const s = String(text ?? '').trim();
  if (!s) return '';
  const end = /[.!?]$/.test(s) ? '' : '.';
  const first = /^[a-z]+(?=$|[\s,;:!?.)'’])/.exec(s)?.[0];
  return (first && OWN_WORDS.has(first) ? s[0].toUpperCase() + s.slice(1) : s) + end;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => String(n).padStart(2, '0');

function dateOf(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** An RFC 3339 time as the person's local time: "2 Dec 2026, 14:05" ('' for none or nonsense). */
export function localText(iso) {
  const d = dateOf(iso);
  if (!d) return iso ? String(iso) : '';
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The local time of day to the second, for the lines of a log: "14:05:07". */
export function clockText(iso) {
  const d = dateOf(iso);
  return d ? `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}` : '';
}

/** An RFC 3339 time in UTC, to the second: "2026-12-02 13:05:07 UTC" (the title of a shown time). */
export function utcText(iso) {
  const d = dateOf(iso);
  return d ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
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

/** RFC 3339 UTC (the API's) -> the local time a datetime-local input shows ("2026-12-02T14:05"). */
export function localInputValue(iso) {
  const d = dateOf(iso);
  if (!d) return '';
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** A datetime-local input's value (local time) -> RFC 3339 UTC for the API ('' stays ''). */
export function utcFromLocalInput(local) {
  const d = dateOf(local);
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

/**
 * How a role binding reaches a user: "user" -> "directly", "team:web" -> "through team web",
 * "members" -> "as a member of a team" (the bindings every team member holds).
 */
export function heldText(via) {
  if (via === 'user') return 'directly';
  if (via === 'members') return 'as a member of a team';
  return `through team ${via.replace(/^team:/, '')}`;
}
