// One catalog location: its status, message and facts, its actions, the entities it brings and
// its orphans (entities its file no longer lists), each a page at a time.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useApi, useMorePages } from '../../hooks.js';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { entityHref, refLabel } from './refs.js';
import { LocationActions, LocationFacts, LocationMessage, LocationStatus, locationApi, locationName, typeText, useAskedSyncs, useRefresh } from './locationParts.jsx';
import { Time } from '../../components/Time.jsx';

export function Location({ params }) {
  const { route } = useLocation();
  const loc = useApi(locationApi(params.id));
  const data = loc.data;
  const syncs = useAskedSyncs();
  const waiting = Boolean(data && syncs.waiting(data));
  useRefresh(waiting, loc.reload);
  // once the runner has done what it was waiting for, the lists are read again
  const [generation, setGeneration] = useState(0);
  const wasWaiting = useRef(false);
  useEffect(() => {
    if (wasWaiting.current && !waiting) setGeneration((g) => g + 1);
    wasWaiting.current = waiting;
  }, [waiting]);

  if (loc.problem) {
    return (
      <Page title={loc.problem.status === 404 ? 'Location not found' : 'Location'}>
        <ProblemAlert problem={loc.problem} />
        <p><a href="/catalog/locations">Back to the locations</a></p>
      </Page>
    );
  }
  if (!data) return <p role="status">Loading the location…</p>;
  return (
    <Page title={`Location ${data.id}`}>
      <p class="entity-ref"><span class="badge">{typeText(data.type)}</span> <code>{locationName(data)}</code></p>
      <p class="location-state"><LocationStatus loc={data} /></p>
      <LocationMessage loc={data} />
      <LocationFacts loc={data} />
      <p class="hint">Registered by {data.registered_by || 'someone'} on <Time at={data.created_at} />.</p>
      <LocationActions loc={data} onChanged={() => { syncs.asked(data); loc.reload(); }} onDeleted={() => route('/catalog/locations')} />
      <Entities id={data.id} orphan="false" title="Entities" generation={generation}
                empty="None yet: the runner has not read the file, or it lists no entity." />
      <Entities id={data.id} orphan="true" title="Orphans" generation={generation}
                empty="None: every entity this location brought is still in its file."
                intro="Entities its file no longer lists. They stay in the catalog until deleted, and come back as they were if the file lists them again." />
    </Page>
  );
}

// The location's entities, or its orphans, with "More" for the pages after the first.
function Entities({ id, orphan, title, intro, empty, generation }) {
  const filters = { location: String(id), orphan, limit: '100' };
  const key = JSON.stringify([filters, generation]);
  const first = useApi('/catalog/entities', filters);
  const { items, cursor, loadMore, rows } = useMorePages('/catalog/entities', filters, key, first);
  const hid = `location-${orphan === 'true' ? 'orphans' : 'entities'}-h`;
  const shown = useRef(generation);
  useEffect(() => {
    if (shown.current !== generation) first.reload();
    shown.current = generation;
  }, [generation]);
  return (
    <section aria-labelledby={hid}>
      <h2 id={hid}>{first.data ? `${title} (${first.data.total})` : title}</h2>
      {intro && <p class="hint">{intro}</p>}
      <ProblemAlert problem={first.problem ?? loadMore.problem} />
      {first.data && items.length === 0 && <p>{empty}</p>}
      {items.length > 0 && (
        <ul class="entity-list" ref={rows}>
          {items.map((e) => (
            <li key={e.ref}>
              <span class="badge">{e.kind}</span> <a href={entityHref(e.ref)}>{refLabel(e.ref)}</a>
              {e.title && <span class="hint"> {e.title}</span>}
            </li>
          ))}
        </ul>
      )}
      {cursor && <button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More</button>}
    </section>
  );
}
