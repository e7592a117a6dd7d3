// The catalog browser: free-text search, facets with counts (kind, type, lifecycle, owner, tag)
// to narrow it, "owned by my teams" with its count, and the results a page at a time (the API's
// keyset cursor behind "More"). Every filter is in the address, so a search can be linked; with
// mine=true the page is "My services".
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { apiUrl } from '../../api.js';
import { useApi, useMorePages } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { catalogHref, entityHref, refLabel } from './refs.js';
import { Breakable } from '../../components/Breakable.jsx';

const FILTERS = ['q', 'kind', 'type', 'lifecycle', 'owner', 'namespace', 'tag', 'mine', 'owned', 'limit'];
const FACETS = [['kind', 'Kind'], ['type', 'Type'], ['lifecycle', 'Lifecycle'], ['owner', 'Owner'], ['tag', 'Tag']];
const FILTER_NAMES = { q: 'Words', kind: 'Kind', type: 'Type', lifecycle: 'Lifecycle', owner: 'Owner', namespace: 'Namespace', tag: 'Tag', owned: 'Names an owner' };
const PAGE_SIZES = [['10', '10'], ['50', '50'], ['200', '200']];

const valueLabel = (filter, v) => (filter === 'owner' ? refLabel(v, 'group') : v);

export function Browser() {
  const session = useSession();
  const { query, route } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query[f] ?? '']));
  const mine = filters.mine === 'true';
  const key = JSON.stringify(filters);
  const first = useApi('/catalog/entities', filters);

  // The words being typed; they follow the address when it changes (back, a facet, a link).
  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);

  // Pages after the first, loaded by "More", for the search they belong to.
  const { items, cursor, loadMore, rows } = useMorePages('/catalog/entities', filters, key, first);

  const go = (changes) => route(catalogHref({ ...filters, ...changes }));
  function onSubmit(e) {
    e.preventDefault();
    go({ q: q.trim() });
  }
  const active = Object.keys(FILTER_NAMES).filter((f) => filters[f]);

  return (
    <Page title={mine ? 'My services' : 'Catalog'}
          intro={mine
            ? 'What the teams you belong to own: services, websites, libraries, APIs and resources.'
            : 'Every service, website, library, API and resource, with its owner. Search by words, narrow by facets.'}>
      <form role="search" aria-label="Search the catalog" class="catalog-search" onSubmit={onSubmit}>
        <Field label="Search" name="q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} maxLength={200}
               hint="Words of a name, title, description or tag; each matches as a prefix." problem={first.problem} />
        <Field label="Per page" name="limit" options={PAGE_SIZES} value={filters.limit || '50'} problem={first.problem}
               onChange={(e) => go({ limit: e.currentTarget.value === '50' ? '' : e.currentTarget.value })} />
        <div class="actions">
          <button type="submit" class="primary">Search</button>
          <label class="choice toggle">
            <input type="checkbox" name="mine" checked={mine} onChange={(e) => go({ mine: e.currentTarget.checked ? 'true' : '' })} />
            Owned by my teams
            {first.data?.facets?.mine && <span class="count">{first.data.facets.mine.true}</span>}
          </label>
        </div>
      </form>
      {mine && session.teams.length === 0 && (
        <p class="notice">You are in no team, so no entity is yours yet. An administrator can add you to your team.</p>
      )}
      {active.length > 0 && (
        <div class="active-filters">
          <h2 class="visually-hidden">Filters in use</h2>
          <ul>
            {active.map((f) => (
              <li key={f}>
                {FILTER_NAMES[f]}: <strong>{valueLabel(f, filters[f])}</strong>{' '}
                <a href={catalogHref({ ...filters, [f]: '' })}>Remove<span class="visually-hidden"> filter {FILTER_NAMES[f]} {valueLabel(f, filters[f])}</span></a>
              </li>
            ))}
          </ul>
          <a href={catalogHref({ mine: filters.mine, limit: filters.limit })}>Clear all</a>
        </div>
      )}

      <ProblemAlert problem={first.problem} fields={['q', 'limit']} />
      {first.loading && !first.data && <p role="status">Searching the catalog…</p>}
      {first.data && (
        <div class="catalog-layout">
          <aside class="facets" aria-labelledby="facets-h">
            <h2 id="facets-h">Refine</h2>
            {FACETS.map(([f, label]) => (
              <Facet key={f} filter={f} label={label} counts={first.data.facets[f] ?? {}} filters={filters} />
            ))}
          </aside>
          <section class="results" aria-labelledby="results-h" aria-busy={first.loading ? 'true' : undefined}>
            <h2 id="results-h">{resultsHeading(first.data.total)}</h2>
            {items.length > 0 && (
              <Table label="Catalog entities">
                <thead>
                  <tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Title</th><th scope="col">Owner</th>
                    <th scope="col">Type</th><th scope="col">Lifecycle</th></tr>
                </thead>
                <tbody ref={rows}>
                  {items.map((e) => (
                    <tr key={e.ref}>
                      <td>{e.kind}</td>
                      <td><a href={entityHref(e.ref)}><Breakable text={`${e.namespace}/${e.name}`} /></a></td>
                      <td>{e.title}</td>
                      <td>{e.owner ? <a href={entityHref(e.owner)}>{refLabel(e.owner, 'group')}</a> : '—'}</td>
                      <td>{e.type}</td>
                      <td>{e.lifecycle && <span class={`lifecycle ${e.lifecycle}`}>{e.lifecycle}</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
            <p role="status" class="results-count">
              {items.length > 0 && `Showing ${items.length} of ${first.data.total}.`}
            </p>
            <ProblemAlert problem={loadMore.problem} />
            <div class="actions">
              {cursor && <button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More</button>}
              {first.data.total > 0 && (
                <a href={apiUrl('/catalog/export', { ...filters, limit: '' })} download="catalog-info.yaml">Export these as YAML</a>
              )}
            </div>
          </section>
        </div>
      )}
    </Page>
  );
}

function resultsHeading(total) {
  if (total === 0) return 'No entities match';
  return total === 1 ? '1 entity' : `${total} entities`;
}

// One facet: its values with their counts; a value is a link that narrows the search to it, or,
// when it is the filter in use, takes the filter away.
function Facet({ filter, label, counts, filters }) {
  const values = Object.entries(counts);
  const id = `facet-${filter}-h`;
  return (
    <section aria-labelledby={id} class="facet">
      <h3 id={id}>{label}</h3>
      {values.length === 0 ? <p class="hint">None.</p> : (
        <ul>
          {values.map(([v, n]) => {
            const selected = filters[filter] === v;
            return (
              <li key={v}>
                {v === '' ? (
                  <span class="facet-value none">(none) <span class="count">{n}</span></span>
                ) : (
                  <a class={selected ? 'facet-value selected' : 'facet-value'} title={filter === 'owner' ? v : undefined}
                     href={catalogHref({ ...filters, [filter]: selected ? '' : v })}>
                    {selected && <span aria-hidden="true">✓ </span>}
                    {valueLabel(filter, v)} <span class="count">{n}</span>
                    {selected && <span class="visually-hidden"> (in use: select to remove)</span>}
                  </a>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
