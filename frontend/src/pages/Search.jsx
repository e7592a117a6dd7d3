// The search's results page (/search?q=...): every kind the person may read, a section each, 20
// results at a time with "More" for the next, each result labelled by what it is.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useSession } from '../session.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { Page } from '../components/Page.jsx';
import { searchHref, searchKinds } from '../search.js';
import { useKeysetList } from './provision/shared.js';

const PAGE = 20;

function KindResults({ kind, q }) {
  const { first, items, cursor, loadMore, rows } = useKeysetList(kind.path, { ...kind.query(q), limit: PAGE }, kind.member);
  const results = items.map(kind.result);
  return (
    <section aria-labelledby={`results-${kind.key}`} class="search-section">
      <h2 id={`results-${kind.key}`}>{kind.title}{first.data && <span class="count"> {results.length}{cursor ? '+' : ''}</span>}</h2>
      <ProblemAlert problem={first.problem ?? loadMore.problem} />
      {first.loading && !first.data && <p role="status" class="hint">Searching {kind.title.toLowerCase()}…</p>}
      {first.data && results.length === 0 && <p class="hint">Nothing in {kind.title.toLowerCase()} matches “{q}”.</p>}
      {results.length > 0 && (
        <ul class="home-list search-list" ref={rows}>
          {results.map((r) => (
            <li key={r.id}>
              <span class="search-kind">{r.kind}</span> <a href={r.href}>{r.label}</a>
              <div class="hint">{r.detail}</div>
            </li>
          ))}
        </ul>
      )}
      {cursor && <div class="actions"><button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More {kind.title.toLowerCase()}</button></div>}
    </section>
  );
}

export function Search() {
  const session = useSession();
  const { query, route } = useLocation();
  const q = (query.q ?? '').trim();
  const [text, setText] = useState(q);
  const all = searchKinds(session);
  const kinds = q ? searchKinds(session, q) : [];
  const skipped = all.filter((k) => !kinds.includes(k));
  return (
    <Page title={q ? `Search: ${q}` : 'Search'} intro="Catalog entities, templates, resources and secrets' paths that you may read.">
      <form class="secrets-filter" role="search" aria-label="Search again" onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) route(searchHref(text.trim()));
      }}>
        <div class="field">
          <label for="search-page-q">Search for</label>
          <input id="search-page-q" type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <div class="actions"><button type="submit" class="primary">Search</button></div>
      </form>
      {all.length === 0 && <p class="notice">There is nothing you may search yet: an administrator can give you or your team a role.</p>}
      {q && kinds.map((k) => <KindResults key={`${k.key}:${q}`} kind={k} q={q} />)}
      {q && skipped.length > 0 && (
        <p class="hint">{skipped.map((k) => k.title).join(', ')}: a path holds only letters, digits, '.', '_', '-' and '/', so “{q}” is in none.</p>
      )}
    </Page>
  );
}
