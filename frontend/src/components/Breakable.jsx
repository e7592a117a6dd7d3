// An identifier (an action, a path, a ref, a name) that may break across lines after its
// punctuation when its column is narrow: "provision.resource.deprovisioned" breaks after a dot,
// "team/web/production/db-password" after a slash, never inside a word. The text is unchanged
// (copying it copies the identifier): only <wbr> opportunities are added.
export function Breakable({ text }) {
  const s = String(text ?? '');
  const parts = s.split(/(?<=[./:_@-])(?=[^./:_@-])/);
  return <>{parts.flatMap((p, i) => (i === 0 ? [p] : [<wbr key={i} />, p]))}</>;
}
