// Text for people: sentences from the API's lower-case messages, and times.

/** The first letter up and a full stop: "is not a team" -> "Is not a team." */
export function sentence(text) {
  const s = String(text ?? '').trim();
  if (!s) return '';
  return s[0].toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
}

/** An RFC 3339 UTC time as "2026-11-26 18:00:00 UTC" (null stays empty). */
export function utcText(iso) {
  return iso ? `${iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '')} UTC` : '';
}

/** How a role binding reaches a user: "user" -> "directly", "team:web" -> "through team web". */
export function heldText(via) {
  return via === 'user' ? 'directly' : `through team ${via.replace(/^team:/, '')}`;
}
