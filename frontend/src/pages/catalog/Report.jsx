// The catalog report: what needs someone's attention among the entities the session may read —
// entities whose owner is not in the catalog, relations to refs that are not there, Groups no
// Portico team has the name of, and orphans (gone from their location's file). Each section
// links to the entities; when all four are empty, the page says that all is well.
import { useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { locationHref } from './locationParts.jsx';
import { RELATION_LABELS, entityHref, refLabel } from './refs.js';
import { Time } from '../../components/Time.jsx';

const SECTIONS = [
  {
    key: 'unowned',
    title: 'Without an owner in the catalog',
    about: 'Components, APIs, resources, systems and domains whose owner is not a catalog entity: nobody is answerable for them until the owner is imported or the owner field is corrected.',
    row: (r) => (
      <>
        <a href={entityHref(r.ref)}>{refLabel(r.ref)}</a>{' '}
        <span class="hint">{r.owner ? <>owner <code>{refLabel(r.owner, 'group')}</code> is not in the catalog</> : 'names no owner'}</span>
      </>
    ),
    id: (r) => r.ref,
  },
  {
    key: 'dangling',
    title: 'Relations to entities that are not there',
    about: 'A relation declared in an entity to a ref the catalog does not have: a typo, or an entity still to be imported.',
    row: (r) => (
      <>
        <a href={entityHref(r.source)}>{refLabel(r.source)}</a>{' '}
        <span class="hint">{(RELATION_LABELS[r.type] ?? r.type).toLowerCase()}</span> <code>{refLabel(r.target)}</code>
      </>
    ),
    id: (r) => `${r.source} ${r.type} ${r.target}`,
  },
  {
    key: 'groups_without_team',
    title: 'Groups without a Portico team',
    about: 'Groups whose name no Portico team has: no team can act as the owner of what they own. Create the team, or rename the Group.',
    row: (r, session) => (
      <>
        <a href={entityHref(r.ref)}>{refLabel(r.ref)}</a>
        {session.can('iam.team.write') && <> <a class="hint" href="/admin/teams">Create the team</a></>}
      </>
    ),
    id: (r) => r.ref,
  },
  {
    key: 'orphans',
    title: 'Orphans',
    about: 'Entities their location’s file no longer lists. They stay until deleted, and come back as they were if the file lists them again.',
    row: (r) => (
      <>
        <a href={entityHref(r.ref)}>{refLabel(r.ref)}</a>{' '}
        <span class="hint">
          {r.location ? <>gone from <a href={locationHref(r.location)}>location {r.location}</a></> : 'its location was deleted'}
          {r.orphaned_at && <> on <Time at={r.orphaned_at} /></>}
        </span>
      </>
    ),
    id: (r) => r.ref,
  },
];

export function Report() {
  const session = useSession();
  const report = useApi('/catalog/report');
  const data = report.data;
  const total = data ? SECTIONS.reduce((n, s) => n + (data[s.key]?.length ?? 0), 0) : 0;
  return (
    <Page title="Catalog report"
          intro="What needs attention among the entities you may read: owners, relations and Groups that lead nowhere, and entities gone from their files.">
      <ProblemAlert problem={report.problem} />
      {report.loading && !data && <p role="status">Reading the catalog…</p>}
      {data && total === 0 && (
        <p class="done all-well" role="status">
          All is well: every entity you may read has its owner in the catalog, every relation reaches its entity, every Group has its Portico team, and no entity is orphaned.
        </p>
      )}
      {data && total > 0 && (
        <>
          <p role="status">{total === 1 ? 'One thing needs attention.' : `${total} things need attention.`}</p>
          {data.truncated && <p class="notice">Some sections were cut at 1,000 rows: fix these first, then look again.</p>}
          <nav aria-label="Report sections" class="pill-links">
            <ul>
              {SECTIONS.map((s) => (
                <li key={s.key}><a href={`#report-${s.key}`}>{s.title} <span class="count">{data[s.key].length}</span></a></li>
              ))}
            </ul>
          </nav>
          {SECTIONS.map((s) => (
            <section key={s.key} id={`report-${s.key}`} aria-labelledby={`report-${s.key}-h`} class="report-section">
              <h2 id={`report-${s.key}-h`}>{s.title} ({data[s.key].length})</h2>
              <p class="hint">{s.about}</p>
              {data[s.key].length === 0 ? <p>None.</p> : (
                <ul class="entity-list">
                  {data[s.key].map((r) => <li key={s.id(r)}>{s.row(r, session)}</li>)}
                </ul>
              )}
            </section>
          ))}
        </>
      )}
    </Page>
  );
}
