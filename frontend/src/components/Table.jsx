// Every table of the portal. Wide screens: it fits its frame (cells wrap; the column of actions,
// the last one whose header is only for screen readers, stays in view at the right edge if the
// frame must scroll sideways anyway). Narrow screens (the stylesheet's 48rem): each row is a card
// and each cell shows its column's label before it. The labels come from the table's own header:
// each cell gets data-label from its column's <th> (data-actions for the column of actions),
// here, once, for every table, including rows added later ("More"). The table keeps its roles
// explicitly, as a card layout changes how the browser would otherwise expose it.
import { useLayoutEffect, useRef } from 'preact/hooks';

// The label of a header cell as shown (a header that is all visually hidden labels actions).
function headerOf(th) {
  const shown = [...th.childNodes].filter((n) => !(n.nodeType === Node.ELEMENT_NODE && n.classList.contains('visually-hidden')));
  const text = shown.map((n) => n.textContent).join('').trim();
  return { label: text, actions: text === '' };
}

function labelCells(table) {
  const heads = [...(table.tHead?.rows[0]?.cells ?? [])].map(headerOf);
  table.setAttribute('role', 'table');
  for (const group of [table.tHead, ...table.tBodies]) group?.setAttribute('role', 'rowgroup');
  for (const tr of table.rows) {
    tr.setAttribute('role', 'row');
    let column = 0;
    for (const cell of tr.cells) {
      const head = heads[column] ?? { label: '', actions: false };
      if (cell.tagName === 'TH') cell.setAttribute('role', cell.getAttribute('scope') === 'row' ? 'rowheader' : 'columnheader');
      else cell.setAttribute('role', 'cell');
      if (cell.parentElement.parentElement !== table.tHead) {
        if (cell.dataset.label !== head.label) cell.dataset.label = head.label;
        if (head.actions) cell.dataset.actions = '';
        else delete cell.dataset.actions;
      }
      column += cell.colSpan || 1;
    }
  }
}

export function Table({ label, children }) {
  const ref = useRef(null);
  useLayoutEffect(() => {
    const table = ref.current;
    labelCells(table);
    // Rows come and go without this component rendering again (a row's own state, "More").
    const watch = new MutationObserver(() => labelCells(table));
    watch.observe(table, { childList: true, subtree: true, characterData: true });
    return () => watch.disconnect();
  }, []);
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      <table ref={ref}>{children}</table>
    </div>
  );
}
