// A table that scrolls sideways inside its frame when the screen is narrower than it; the
// frame takes focus so that the keyboard can scroll it too.
export function Table({ label, children }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      <table>{children}</table>
    </div>
  );
}
