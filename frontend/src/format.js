// Text for people: sentences from the API's lower-case messages, and times. Every time the portal
// shows is written here, in one format: the person's local time, "2 Dec 2026, 14:05" (fixed, not
// the browser's locale, so it reads the same on every page and screen), with the UTC time of it
// ("2026-12-02 13:05:07 UTC") for a title on hover; components/Time.jsx puts the two together.

/** The first letter up and a full stop: "is not a team" -> "Is not a team." */
export function sentence(text) {
  const s = String(text ?? '').trim();
  if (!s) return '';
  return s[0].toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
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

/** How a role binding reaches a user: "user" -> "directly", "team:web" -> "through team web". */
export function heldText(via) {
  return via === 'user' ? 'directly' : `through team ${via.replace(/^team:/, '')}`;
}
