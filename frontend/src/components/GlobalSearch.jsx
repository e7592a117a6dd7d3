// The header's search: as one types (two characters or more), the first few catalog entities,
// templates, resources and secrets' paths that match, each labelled by what it is, from only the
// areas the person may read (search.js). A combobox: the arrows move through the results, Enter
// opens the one chosen (or, with none, the results page), Escape closes the list (and clears the
// text when it is closed already). "/" anywhere but in a field puts the focus here.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { problemText } from '../problems.js';
import { useSession } from '../session.jsx';
import { searchHref, searchKind, searchKinds } from '../search.js';
import { useClickOutside } from './disclosure.js';

const SHOWN = 5;
const WAIT_MS = 200;   /* the pause in typing after which the search is sent */

/** Is the key event's target somewhere one types (so "/" is a character there)? */
function typing(target) {
  return Boolean(target?.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

export function GlobalSearch() {
  const session = useSession();
  const { route, url } = useLocation();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [answer, setAnswer] = useState(null);   /* {q, groups} for the text searched last */
  const [active, setActive] = useState(-1);
  const input = useRef(null);
  const root = useRef(null);
  const asked = useRef(0);
  const q = text.trim();
  const kinds = searchKinds(session);

  // "/" focuses the search, unless one is typing in a field
  useEffect(() => {
    const onKey = (e) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => setOpen(false), [url]);
  useClickOutside(open, root, () => setOpen(false));

  // the search itself, a moment after the typing stops; an answer to older text is dropped
  useEffect(() => {
    if (q.length < 2) {
      setAnswer(null);
      return undefined;
    }
    const n = ++asked.current;
    const timer = setTimeout(async () => {
      const groups = await Promise.all(searchKinds(session, q).map((k) => searchKind(k, q, SHOWN)));
      if (n === asked.current) {
        setAnswer({ q, groups });
        setActive(-1);
      }
    }, WAIT_MS);
    return () => clearTimeout(timer);
  }, [q]);

  if (kinds.length === 0) return null;

  const current = answer?.q === q ? answer : null;
  const groups = current?.groups ?? [];
  const options = [...groups.flatMap((g) => g.results), { id: 'all', href: searchHref(q), all: true }];
  const expanded = open && q.length >= 2;
  const go = (o) => {
    setOpen(false);
    route(o.href);
  };

  function onKeyDown(e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      if (!current) return;
      const last = options.length - 1;
      const down = e.key === 'ArrowDown';
      setActive((a) => (down ? (a >= last ? 0 : a + 1) : (a <= 0 ? last : a - 1)));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (q.length < 2) return;
      go(active >= 0 && active < options.length ? options[active] : options[options.length - 1]);
    } else if (e.key === 'Escape') {
      e.preventDefault();   /* a search field's own Escape would clear it at once */
      if (expanded) setOpen(false);
      else setText('');
    }
  }

  const optionId = (i) => `search-option-${i}`;
  let index = 0;
  return (
    <div class="global-search" ref={root} role="search" aria-label="Portico">
      <label class="visually-hidden" for="global-search-input">Search Portico</label>
      <input id="global-search-input" ref={input} type="search" autoComplete="off" spellcheck={false}
             placeholder="Search (press /)" value={text} role="combobox" aria-autocomplete="list"
             aria-expanded={expanded ? 'true' : 'false'} aria-controls="global-search-results"
             aria-activedescendant={expanded && active >= 0 && active < options.length ? optionId(active) : undefined}
             onInput={(e) => {
               setText(e.currentTarget.value);
               setOpen(true);
             }}
             onFocus={() => setOpen(true)} onKeyDown={onKeyDown} />
      <div id="global-search-results" class="search-results" role="listbox" aria-label="Search results" hidden={!expanded}>
        {!current && <p class="hint" role="status">Searching…</p>}
        {current && groups.map((g) => (
          <div key={g.kind.key} role="group" aria-label={g.kind.title} class="search-group">
            <p class="search-group-title" aria-hidden="true">{g.kind.title}</p>
            {g.problem && <p class="hint">{g.kind.title} could not be searched. {problemText(g.problem)}</p>}
            {!g.problem && g.results.length === 0 && <p class="hint">Nothing in {g.kind.title.toLowerCase()}.</p>}
            {g.results.map((r) => {
              const i = index++;
              return (
                <div key={r.id} id={optionId(i)} role="option" aria-selected={i === active ? 'true' : 'false'}
                     class={i === active ? 'search-option active' : 'search-option'}
                     onMouseDown={(e) => e.preventDefault()} onClick={() => go(r)} onMouseMove={() => setActive(i)}>
                  <span class="search-kind">{r.kind}</span>
                  <span class="search-label">{r.label}</span>
                  <span class="search-detail hint">{r.detail}</span>
                </div>
              );
            })}
          </div>
        ))}
        {current && (
          <div id={optionId(options.length - 1)} role="option" aria-selected={active === options.length - 1 ? 'true' : 'false'}
               class={active === options.length - 1 ? 'search-option search-all active' : 'search-option search-all'}
               onMouseDown={(e) => e.preventDefault()} onClick={() => go(options[options.length - 1])}>
            See all results for “{q}”
          </div>
        )}
      </div>
    </div>
  );
}
