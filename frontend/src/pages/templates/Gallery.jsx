// The template gallery: every template with a published version (and, for those who may write
// templates, drafts too), searched by words and narrowed by a tag, a page at a time (the API's
// keyset cursor behind "More"). The search is in the address, so it can be linked. An empty
// gallery offers to install the example templates Portico ships to those who may (they are the
// team platform's: POST /templates/examples), and says whom to ask to the others.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Done, Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { requestFormHref, templateHref, useKeysetList } from '../provision/shared.js';

const FILTERS = ['q', 'tag', 'include'];

export function galleryHref(filters) {
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  return params ? `/templates?${params}` : '/templates';
}

export function Gallery() {
  const session = useSession();
  const { query, route } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query[f] ?? '']));
  const { first, items, cursor, loadMore, rows } = useKeysetList('/templates', filters, 'templates');

  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);
  const [tag, setTag] = useState(filters.tag);
  useEffect(() => setTag(filters.tag), [filters.tag]);

  const go = (changes) => route(galleryHref({ ...filters, ...changes }));
  function onSubmit(e) {
    e.preventDefault();
    go({ q: q.trim(), tag: tag.trim() });
  }
  const tags = [...new Set(items.flatMap((t) => t.latest?.tags ?? []))].sort();
  const writer = session.can('templates.template.write');
  const requester = session.can('provision.request.create');
  const [installedText, setInstalledText] = useState('');
  const examples = useAction(async () => {
    const answer = await api('/templates/examples', { method: 'POST' });
    const n = answer?.installed ?? 0;
    setInstalledText(n ? `Installed ${n === 1 ? '1 example template' : `${n} example templates`} for the team ${answer.team}${answer.team_created ? ' (made the team too)' : ''}: pick one to request it.`
      : 'The example templates were there already.');
    first.reload();
    return answer ?? {};
  });

  return (
    <Page title="Templates"
          intro="Versioned templates for what your team needs: a database, a repository, a static site. Pick one, fill in its form, and Portico provisions it (after approval, where its policy asks for one).">
      <form role="search" aria-label="Search the templates" class="secrets-filter" onSubmit={onSubmit}>
        <Field label="Search" name="q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} maxLength={200}
               hint="Words of a name, title, description or tag; all must match." problem={first.problem} />
        <Field label="Tag" name="tag" value={tag} onInput={(e) => setTag(e.currentTarget.value)} list="template-tags"
               maxLength={63} autocomplete="off" spellcheck={false} problem={first.problem} />
        <datalist id="template-tags">{tags.map((t) => <option key={t} value={t} />)}</datalist>
        <div class="actions">
          <button type="submit" class="primary">Search</button>
          {writer && (
            <label class="choice toggle">
              <input type="checkbox" checked={filters.include === 'drafts'}
                     onChange={(e) => go({ include: e.currentTarget.checked ? 'drafts' : '' })} />
              Show drafts
            </label>
          )}
        </div>
      </form>
      {(filters.q || filters.tag) && (
        <div class="active-filters">
          <h2 class="visually-hidden">Filters in use</h2>
          <ul>
            {filters.q && <li>Words: <strong>{filters.q}</strong> <a href={galleryHref({ ...filters, q: '' })}>Remove<span class="visually-hidden"> the words {filters.q}</span></a></li>}
            {filters.tag && <li>Tag: <strong>{filters.tag}</strong> <a href={galleryHref({ ...filters, tag: '' })}>Remove<span class="visually-hidden"> the tag {filters.tag}</span></a></li>}
          </ul>
        </div>
      )}

      <Done>{installedText}</Done>
      <ProblemAlert problem={first.problem} fields={['q', 'tag']} />
      {first.loading && !first.data && <p role="status">Loading the templates…</p>}
      {first.data && (
        <section aria-labelledby="template-results-h" aria-busy={first.loading ? 'true' : undefined}>
          <h2 id="template-results-h" class="visually-hidden">Templates found</h2>
          {items.length === 0 ? (
            filters.q || filters.tag ? (
              <p class="notice">No template matches.{writer && <> <a href="/templates/_new">Upload a template</a>.</>}</p>
            ) : (
              <div class="notice empty-gallery">
                <p>There is no published template yet.</p>
                {session.can('templates.template.publish') ? (
                  <>
                    <p>Portico ships example templates — a MariaDB database, a git repository, an API token, a webhook and a
                      policy trial that provisions nothing — for the team platform. Install them to start from, or
                      {writer ? <> <a href="/templates/_new">upload a template</a> of your own</> : ' write your own'}.</p>
                    <div class="actions">
                      <button type="button" class="primary" onClick={() => examples.run()} disabled={examples.busy}>Install the example templates</button>
                    </div>
                    <ProblemAlert problem={examples.problem} />
                  </>
                ) : (
                  <p>Templates are published by the maintainers of a team; Portico's example templates are installed by a maintainer of the team platform or an administrator.</p>
                )}
              </div>
            )
          ) : (
            <ul class="cards template-cards" ref={rows}>
              {items.map((t) => (
                <li key={t.name} class="card template-card">
                  <h3><a href={templateHref(t.name)}>{t.latest?.title || t.name}</a></h3>
                  <p class="template-name"><code>{t.name}</code>{t.latest && <> · version {t.latest.version}</>}
                    {t.trusted && <> · <span class="badge">trusted</span></>}
                  </p>
                  {t.latest?.description && <p class="template-description">{t.latest.description}</p>}
                  <p>Owner: team {t.owner_team} · {t.versions === 1 ? '1 version' : `${t.versions} versions`}</p>
                  {t.latest?.tags?.length > 0 && (
                    <ul class="tags" aria-label={`Tags of ${t.name}`}>
                      {t.latest.tags.map((g) => (
                        <li key={g}><a class="tag" href={galleryHref({ ...filters, tag: g })}>{g}<span class="visually-hidden"> (show templates tagged {g})</span></a></li>
                      ))}
                    </ul>
                  )}
                  {requester && t.latest && t.latest.state !== 'draft' && (
                    <p><a href={requestFormHref(t.name, t.latest.version)}>Request<span class="visually-hidden"> {t.name}</span></a></p>
                  )}
                </li>
              ))}
            </ul>
          )}
          <p role="status" class="results-count">
            {items.length > 0 && `Showing ${items.length} ${items.length === 1 ? 'template' : 'templates'}${cursor ? '; there are more' : ''}.`}
          </p>
          <ProblemAlert problem={loadMore.problem} />
          {cursor && <div class="actions"><button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More</button></div>}
        </section>
      )}
    </Page>
  );
}
