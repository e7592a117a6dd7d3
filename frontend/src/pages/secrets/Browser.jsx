// The secrets browser: the secrets the user may read (metadata only, never a value), by scope
// (all, teams', entities', one of the user's teams) or by the start of their path, a page at a
// time (the API's keyset cursor behind "More"). The filter is in the address, so it can be linked.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useApi, useMorePages } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Done, Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';
import { PATH_MAX, PREFIX_PATTERN, browserHref, secretHref, takeFlash, teamPrefix } from './paths.js';
import { Breakable } from '../../components/Breakable.jsx';

const PAGE_SIZES = [['25', '25'], ['100', '100'], ['500', '500']];

export function Browser() {
  const session = useSession();
  const { query, route } = useLocation();
  const filters = { prefix: query.prefix ?? '', limit: query.limit ?? '' };
  const key = JSON.stringify(filters);
  const first = useApi('/secrets/metadata', filters);
  const [flash] = useState(takeFlash);

  // The prefix being typed; it follows the address when it changes (back, a scope link).
  const [prefix, setPrefix] = useState(filters.prefix);
  useEffect(() => setPrefix(filters.prefix), [filters.prefix]);

  // Pages after the first, loaded by "More", for the filter they belong to.
  const { items, cursor, loadMore, rows } = useMorePages('/secrets/metadata', filters, key, first);

  function onSubmit(e) {
    e.preventDefault();
    route(browserHref({ ...filters, prefix: prefix.trim() }));
  }

  const scopes = [['', 'All'], ['team/', 'Team secrets'], ['entity/', 'Entity secrets']];
  const team = /^team\/([^/]+)\/$/.exec(filters.prefix)?.[1];
  const myTeam = session.teams.includes(team) ? team : '';
  const writer = session.can('secrets.secret.write');

  return (
    <Page title="Secrets"
          intro="Secrets of teams and of catalog entities, encrypted at rest. Here you see what exists and its versions; a value is shown only when you reveal it, and every reveal is recorded.">
      <Done>{flash}</Done>
      <div class="scope-links">
        <span id="secret-scopes-label">Show:</span>
        <ul aria-labelledby="secret-scopes-label">
          {scopes.map(([p, label]) => (
            <li key={p}>
              <a href={browserHref({ ...filters, prefix: p })} aria-current={filters.prefix === p ? 'true' : undefined}>{label}</a>
            </li>
          ))}
        </ul>
      </div>
      <form role="search" aria-label="Filter secrets" class="secrets-filter" onSubmit={onSubmit}>
        {session.teams.length > 0 && (
          <Field label="Your team" name="team" options={[['', '(any)'], ...session.teams]} value={myTeam}
                 onChange={(e) => route(browserHref({ ...filters, prefix: e.currentTarget.value ? teamPrefix(e.currentTarget.value) : '' }))} />
        )}
        <Field label="Path starts with" name="prefix" type="search" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)}
               maxLength={PATH_MAX} pattern={PREFIX_PATTERN} list="secret-prefixes" autocomplete="off" spellcheck={false}
               hint="For example team/web/ or entity/component/default/payments/." problem={first.problem} />
        <datalist id="secret-prefixes">
          {['team/', 'entity/', ...session.teams.map(teamPrefix)].map((p) => <option key={p} value={p} />)}
        </datalist>
        <Field label="Per page" name="limit" options={PAGE_SIZES} value={filters.limit || '100'} problem={first.problem}
               onChange={(e) => route(browserHref({ ...filters, limit: e.currentTarget.value === '100' ? '' : e.currentTarget.value }))} />
        <div class="actions">
          <button type="submit" class="primary">Filter</button>
        </div>
      </form>

      <ProblemAlert problem={first.problem} fields={['prefix', 'limit']} />
      {first.loading && !first.data && <p role="status">Loading secrets…</p>}
      {first.data && (
        <section aria-labelledby="secret-results-h" aria-busy={first.loading ? 'true' : undefined}>
          <h2 id="secret-results-h">{filters.prefix ? <>Secrets under <code>{filters.prefix}</code></> : 'All the secrets you may read'}</h2>
          {items.length === 0 ? (
            <p class="notice">
              {filters.prefix ? `No secret you may read starts with ${filters.prefix}.` : 'There is no secret you may read yet.'}
              {writer && <> <a href={team ? `/secrets/new?team=${encodeURIComponent(team)}` : '/secrets/new'}>Create a secret</a>.</>}
            </p>
          ) : (
            <Table label="Secrets table">
              <thead>
                <tr><th scope="col">Path</th><th scope="col">Environment</th><th scope="col">Current version</th>
                  <th scope="col">Updated</th><th scope="col">Created by</th></tr>
              </thead>
              <tbody ref={rows}>
                {items.map((s) => (
                  <tr key={s.path}>
                    <td class="secret-path"><a href={secretHref(s.path)}><Breakable text={s.path} /></a></td>
                    <td>{s.environment || '—'}</td>
                    <td>{s.current_version}</td>
                    <td><Time at={s.updated_at} /></td>
                    <td>{s.created_by}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <p role="status" class="results-count">
            {items.length > 0 && `Showing ${items.length} ${items.length === 1 ? 'secret' : 'secrets'}${cursor ? '; there are more' : ''}.`}
          </p>
          <ProblemAlert problem={loadMore.problem} />
          <div class="actions">
            {cursor && <button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More</button>}
            {writer && team && <a href={`/secrets/new?team=${encodeURIComponent(team)}`}>New secret in team {team}</a>}
          </div>
        </section>
      )}
    </Page>
  );
}
