// Catalog locations: the catalog files the runner reads again on a schedule, each with its last
// sync's status, message and counts, and its actions; and, for those who may, the form that
// registers one (checked here as the server checks it; the server's 422 appears at its fields).
// The page looks again every few seconds while a location waits for the runner.
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Done, Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { LocationActions, LocationFacts, LocationMessage, LocationStatus, locationHref, locationName, typeText, useAskedSyncs, useRefresh } from './locationParts.jsx';

const TYPES = [['file', 'File on this server'], ['git', 'Git repository on this server'], ['url', 'URL (http or https)']];
const TARGET_HINTS = {
  file: 'The absolute path of a catalog-info.yaml, under one of the directories the configuration allows (catalog_location_roots).',
  git: "The absolute path of a repository's directory (bare or not), under one of the allowed directories. The committed file is read, never the working tree.",
  url: 'An http:// or https:// address without a user or password in it.',
};
const FIELDS = ['type', 'target', 'path', 'revision', 'team', 'on_orphan', 'interval_seconds'];

export function Locations() {
  const session = useSession();
  const list = useApi('/catalog/locations');
  const locations = list.data?.locations ?? [];
  const [gone, setGone] = useState(null);
  const syncs = useAskedSyncs();
  useRefresh(locations.some(syncs.waiting), list.reload);

  return (
    <Page title="Catalog locations"
          intro="Catalog files the runner reads again on a schedule: a file or a git repository on this server, or a URL. What a file stops listing becomes an orphan, or is deleted; a sync that would remove more than a fifth of a location's entities waits for a confirmation.">
      <section aria-labelledby="locations-h">
        <h2 id="locations-h">{list.data ? `Locations (${locations.length})` : 'Locations'}</h2>
        <ProblemAlert problem={list.problem} />
        <Done>{gone && `Deleted the location ${gone.name}${gone.deleted ? ` and ${gone.deleted} of its entities` : ''}.`}</Done>
        {list.loading && !list.data && <p role="status">Loading the locations…</p>}
        {list.data && locations.length === 0 && (
          <p class="notice">
            No location of your teams is registered yet (a team's locations are its own to see).{' '}
            {session.can('catalog.location.write')
              ? 'Register one below: the runner imports its entities and keeps them as the file says.'
              : 'Someone holding catalog.location.write (a maintainer) can register one.'}
          </p>
        )}
        {locations.length > 0 && (
          <ul class="locations">
            {locations.map((loc) => (
              <li key={loc.id} class="location-card">
                <h3>
                  <a href={locationHref(loc.id)}>{locationName(loc)}</a>
                </h3>
                <p class="location-state"><LocationStatus loc={loc} /> <span class="hint">{typeText(loc.type)} · location {loc.id}</span></p>
                <LocationMessage loc={loc} />
                <LocationFacts loc={loc} />
                <LocationActions loc={loc} onChanged={() => { syncs.asked(loc); list.reload(); }}
                                 onDeleted={(answer) => { setGone({ name: locationName(loc), deleted: answer.entities_deleted }); list.reload(); }} />
              </li>
            ))}
          </ul>
        )}
      </section>
      {session.can('catalog.location.write') && <Register onRegistered={list.reload} />}
    </Page>
  );
}

function Register({ onRegistered }) {
  const session = useSession();
  const [type, setType] = useState('file');
  const teams = useApi(session.can('iam.team.read') ? '/iam/teams' : null);
  const teamNames = [...new Set([...session.teams, ...(teams.data?.teams.map((t) => t.name) ?? [])])];
  const register = useAction(async (form) => {
    const v = Object.fromEntries(new FormData(form).entries());
    const body = { type: v.type, target: v.target.trim(), on_orphan: v.on_orphan };
    if (v.type === 'git' && v.path.trim()) body.path = v.path.trim();
    if (v.type === 'git' && v.revision.trim()) body.revision = v.revision.trim();
    if (v.team.trim()) body.team = v.team.trim();
    if (v.interval_seconds !== '') body.interval_seconds = Number(v.interval_seconds);
    const answer = await api('/catalog/locations', { method: 'POST', body });
    form.reset();
    setType('file');
    onRegistered();
    return answer;
  });
  const problem = register.problem;
  return (
    <section aria-labelledby="register-h">
      <h2 id="register-h">Register a location</h2>
      <form class="stack location-form" onSubmit={(e) => { e.preventDefault(); register.run(e.currentTarget); }}>
        <Field label="Type" name="type" options={TYPES} value={type} onChange={(e) => setType(e.currentTarget.value)} problem={problem} />
        <Field label={type === 'url' ? 'URL' : 'Path'} name="target" required maxLength={1000} autocomplete="off" spellcheck={false}
               type={type === 'url' ? 'url' : 'text'} pattern={type === 'url' ? 'https?://[^\\s@]+' : '/.*'}
               hint={TARGET_HINTS[type]} problem={problem} />
        {type === 'git' && (
          <>
            <Field label="File in the repository" name="path" maxLength={255} autocomplete="off" placeholder="catalog-info.yaml"
                   hint="A relative path; catalog-info.yaml when empty." problem={problem} />
            <Field label="Revision" name="revision" maxLength={100} autocomplete="off" placeholder="HEAD"
                   hint="A branch, tag or commit; HEAD when empty." problem={problem} />
          </>
        )}
        <Field label="Team" name="team" maxLength={63} list="location-teams" autocomplete="off" problem={problem}
               hint="Its entities must be owned by this team or a team below it. Empty: any owner, which needs the permission everywhere." />
        <datalist id="location-teams">
          {teamNames.map((t) => <option key={t} value={t} />)}
        </datalist>
        <Field label="When an entity leaves the file" name="on_orphan" problem={problem}
               options={[['keep', 'Keep it, as an orphan'], ['delete', 'Delete it']]} />
        <Field label="Read it every (seconds)" name="interval_seconds" type="number" min={10} max={86400} step={1}
               placeholder="300" hint="From 10 to 86400; empty: the configuration's catalog_sync_seconds." problem={problem} />
        <ProblemAlert problem={problem} fields={FIELDS} />
        <Done>{register.result && `Registered ${locationName(register.result)}: the runner reads it at its next pass.`}</Done>
        <button type="submit" class="primary" disabled={register.busy}>Register location</button>
      </form>
    </section>
  );
}
