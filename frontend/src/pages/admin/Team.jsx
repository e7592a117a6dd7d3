// A team's page: its Group in the catalog, its members (added and removed here), sub-teams, the roles it holds and those held on it, what it owns
// (catalog entities, templates, resources); for administrators, a rename, a new display name or
// parent, and a delete. What keeps a team from a rename or a delete (its name is in documents,
// secrets' paths and resources) is said before anyone tries, and the API's 409 says it again.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Done, Field, NAME_PATTERN, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Time } from '../../components/Time.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { MemberForm } from './MemberForm.jsx';
import { ResourceLine } from '../provision/bits.jsx';
import { entityHref } from '../catalog/refs.js';

const HOLDS = [
  ['entities', 'catalog entity', 'catalog entities'], ['templates', 'template', 'templates'],
  ['resources', 'resource', 'resources'], ['requests', 'request waiting for approval', 'requests waiting for approval'],
  ['secrets', 'secret', 'secrets'], ['locations', 'catalog location', 'catalog locations'], ['policies', 'policy', 'policies'],
];

/** "2 catalog entities and 1 secret" for the counts of `holds` named in list ('' when none). */
function holdsText(holds, list) {
  const parts = list.filter(([k]) => holds[k] > 0).map(([k, one, many]) => `${holds[k]} ${holds[k] === 1 ? one : many}`);
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export function Team({ name }) {
  const session = useSession();
  const { route } = useLocation();
  const writer = session.can('iam.team.write');
  const page = useApi(`/iam/teams/${encodeURIComponent(name)}`);
  const teams = useApi(writer ? '/iam/teams' : null);
  const [editing, setEditing] = useState(false);
  const data = page.data;

  const edit = useAction(async (form, v) => {
    const body = { display_name: v.display_name, parent: v.parent || null };
    if (v.name !== data.team.name) body.name = v.name;
    const answer = await api(`/iam/teams/${encodeURIComponent(data.team.name)}`, { method: 'PATCH', body });
    setEditing(false);
    if (answer.name !== data.team.name) route(`/admin/teams/${encodeURIComponent(answer.name)}`);
    else page.reload();
    return answer;
  });
  const remove = useConfirmation(async (team) => {
    const answer = await api(`/iam/teams/${encodeURIComponent(team.name)}`, { method: 'DELETE' });
    route('/admin/teams');
    return answer;
  });

  if (page.problem) return <Page title={`Team ${name}`}><ProblemAlert problem={page.problem} /></Page>;
  if (!data) return <Page title={`Team ${name}`}><p role="status">Loading…</p></Page>;
  const t = data.team;
  const renameBlock = holdsText(data.holds, HOLDS);
  const renameCount = HOLDS.reduce((n, [k]) => n + data.holds[k], 0);
  const deleteBlock = holdsText(data.holds, [['members', 'member', 'members'], ['subteams', 'sub-team', 'sub-teams'], ...HOLDS]);
  const parents = (teams.data?.teams ?? []).map((x) => x.name).filter((n) => n !== t.name && !data.subteams.some((s) => s.name === n));

  return (
    <Page title={t.display_name ? `${t.display_name} (${t.name})` : `Team ${t.name}`}>
      <dl class="facts">
        <dt>Name</dt><dd>{t.name}</dd>
        <dt>Display name</dt><dd>{t.display_name || '—'}</dd>
        <dt>Parent team</dt><dd>{t.parent ? <a href={`/admin/teams/${encodeURIComponent(t.parent)}`}>{t.parent}</a> : '—'}</dd>
        <dt>Created</dt><dd><Time at={t.created_at} /></dd>
        <dt>In the catalog</dt>
        <dd>{data.group.ref ? <><a href={entityHref(data.group.ref)}>{data.group.ref}</a>{' '}
          <span class="hint">{data.group.state === 'kept' ? 'kept in step by Portico'
            : 'written by hand or from a location: Portico leaves it as it is'}</span></>
          : 'no Group (its name is not one the catalog takes)'}</dd>
      </dl>
      <Done>{edit.result && `Saved team ${edit.result.name}.`}</Done>
      {writer && !editing && (
        <div class="actions">
          <button type="button" onClick={() => { edit.clear(); setEditing(true); }}>Edit<span class="visually-hidden"> team {t.name}</span></button>
          <button type="button" class="danger" onClick={() => remove.ask(t)}>Delete<span class="visually-hidden"> team {t.name}</span></button>
        </div>
      )}
      {writer && !editing && deleteBlock && (
        <p class="hint">A team can be deleted once it has no members, sub-teams or anything that names it; this one
          has {deleteBlock}.</p>
      )}
      {writer && editing && (
        <section aria-labelledby="team-edit-h">
          <h2 id="team-edit-h">Edit team {t.name}</h2>
          <form class="stack" onSubmit={(e) => { e.preventDefault(); edit.run(e.currentTarget, formValues(e)); }}>
            <Field label="Name" name="name" required maxLength={63} pattern={NAME_PATTERN} defaultValue={t.name} autocomplete="off"
                   hint={renameBlock
                     ? `It cannot be renamed while ${renameBlock} ${renameCount === 1 ? 'names' : 'name'} it: they name the team in their documents and paths.`
                     : 'Members and role bindings follow a new name.'}
                   problem={edit.problem} />
            <Field label="Display name" name="display_name" maxLength={200} defaultValue={t.display_name} problem={edit.problem} />
            <Field label="Parent team" name="parent" options={[['', '(none)'], ...parents]} defaultValue={t.parent ?? ''} problem={edit.problem} />
            <ProblemAlert problem={edit.problem ?? teams.problem} fields={['name', 'display_name', 'parent']} />
            <div class="actions">
              <button type="submit" class="primary" disabled={edit.busy}>Save</button>
              <button type="button" onClick={() => setEditing(false)}>Cancel</button>
            </div>
          </form>
        </section>
      )}

      <section aria-labelledby="team-members-list-h">
        <h2 id="team-members-list-h">Members</h2>
        {data.members.length === 0 ? <p>{t.name} has no members of its own.</p> : (
          <ul class="plain">
            {data.members.map((m) => (
              <li key={m.id}><a href={`/admin/users/${m.id}`}>{m.display_name || m.username}</a>
                {m.display_name && <span class="hint"> {m.username}</span>}{m.kind === 'service' && <span class="hint"> (service account)</span>}</li>
            ))}
          </ul>
        )}
        {writer && <MemberForm team={t.name} onChange={() => page.reload()} />}
      </section>

      <section aria-labelledby="team-subteams-h">
        <h2 id="team-subteams-h">Sub-teams</h2>
        {data.subteams.length === 0 ? <p>None.</p> : (
          <ul class="plain">
            {data.subteams.map((s) => <li key={s.name}><a href={`/admin/teams/${encodeURIComponent(s.name)}`}>{s.display_name || s.name}</a></li>)}
          </ul>
        )}
      </section>

      <section aria-labelledby="team-bindings-h">
        <h2 id="team-bindings-h">Roles</h2>
        {data.bindings.length === 0 ? <p>The team holds no role, and nobody holds one on it.</p> : (
          <Table label="Roles of and on the team">
            <thead><tr><th scope="col">Who</th><th scope="col">Role</th><th scope="col">Where</th></tr></thead>
            <tbody>
              {data.bindings.map((b) => (
                <tr key={b.id}>
                  <td>{b.subject_type === 'team' && b.subject === t.name ? 'this team' : `${b.subject_type} ${b.subject ?? ''}`}</td>
                  <td>{b.role}</td>
                  <td>{b.scope_type === 'global' ? 'everywhere' : b.scope_type === 'team' && b.scope_id === t.name ? 'on this team' : `${b.scope_type} ${b.scope_id}`}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>

      <section aria-labelledby="team-owns-h">
        <h2 id="team-owns-h">What it owns</h2>
        {data.entities.length === 0 ? <p>No catalog entity.</p> : (
          <ul class="plain">
            {data.entities.map((e) => <li key={e.ref}><a href={entityHref(e.ref)}>{e.title || e.ref}</a> <span class="hint">{e.kind}</span></li>)}
          </ul>
        )}
        {data.templates.length > 0 && (
          <p>Templates: {data.templates.map((x, i) => (
            <span key={x.name}>{i > 0 && ', '}<a href={`/templates/${encodeURIComponent(x.name)}`}>{x.name}</a></span>
          ))}</p>
        )}
        {data.resources && (data.resources.length === 0 ? <p>No live resource.</p> : (
          <ul class="plain" aria-label="Resources">
            {data.resources.map((r) => (
              <ResourceLine key={r.id} r={r}>requested by {r.requester}</ResourceLine>
            ))}
          </ul>
        ))}
      </section>

      {remove.subject && (
        <ConfirmDialog confirmation={remove} title={`Delete team ${remove.subject.name}?`} confirm="Delete">
          <p>The team goes, with the roles it holds and those held on it. Nothing else is deleted: Portico refuses
            while the team has members, sub-teams, or anything that names it.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
