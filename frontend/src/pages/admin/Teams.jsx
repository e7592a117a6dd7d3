// Teams: the list with parents and member counts (each linking to the team's page, where it is
// renamed, moved or deleted), a team's members, creating a team (under a parent or not), and
// adding or removing a member by username (MemberForm, as on the team's page).
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Done, Field, formValues, NAME_PATTERN } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { MemberForm } from './MemberForm.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';

export function Teams() {
  const session = useSession();
  const teams = useApi('/iam/teams');
  const writer = session.can('iam.team.write');
  const names = teams.data?.teams.map((t) => t.name) ?? [];
  const [shown, setShown] = useState('');
  const members = useApi(shown ? `/iam/teams/${encodeURIComponent(shown)}/members` : null);

  const create = useAction(async (form, v) => {
    const body = { name: v.name, display_name: v.display_name };
    if (v.parent) body.parent = v.parent;
    const team = await api('/iam/teams', { method: 'POST', body });
    form.reset();
    teams.reload();
    return team;
  });
  function membersChanged(name) {
    teams.reload();
    if (name === shown) members.reload();
  }

  return (
    <Page title="Teams">
      {writer && (
        <div class="columns">
          <section aria-labelledby="team-new-h">
            <h2 id="team-new-h">New team</h2>
            <form class="stack" onSubmit={(e) => { e.preventDefault(); create.run(e.currentTarget, formValues(e)); }}>
              <Field label="Name" name="name" required maxLength={63} pattern={NAME_PATTERN} autocomplete="off"
                     hint="Lower-case letters, digits, '.', '_' or '-'." problem={create.problem} />
              <Field label="Display name" name="display_name" maxLength={200} problem={create.problem} />
              <Field label="Parent team" name="parent" options={[['', '(none)'], ...names]} problem={create.problem} />
              <ProblemAlert problem={create.problem} fields={['name', 'display_name', 'parent']} />
              <Done>{create.result && `Created team ${create.result.name}.`}</Done>
              <button type="submit" class="primary" disabled={create.busy}>Create team</button>
            </form>
          </section>
          <section aria-labelledby="member-h">
            <h2 id="member-h">Members</h2>
            <MemberForm teams={names} onChange={membersChanged} />
          </section>
        </div>
      )}

      <section aria-labelledby="team-list-h">
        <h2 id="team-list-h">All teams</h2>
        <ProblemAlert problem={teams.problem} />
        {teams.data && (teams.data.teams.length === 0 ? <p>No teams yet.</p> : (
          <Table label="Teams table">
            <thead><tr><th scope="col">Name</th><th scope="col">Display name</th><th scope="col">Parent</th><th scope="col">Members</th></tr></thead>
            <tbody>
              {teams.data.teams.map((t) => (
                <tr key={t.id}><td><a href={`/admin/teams/${encodeURIComponent(t.name)}`}>{t.name}</a></td><td>{t.display_name}</td><td>{t.parent ?? '—'}</td><td>{t.members}</td></tr>
              ))}
            </tbody>
          </Table>
        ))}
      </section>

      {names.length > 0 && (
        <section aria-labelledby="team-members-h">
          <h2 id="team-members-h">Who is in a team</h2>
          <Field label="Team" name="shown" options={[['', '(choose a team)'], ...names]} value={shown}
                 onChange={(e) => setShown(e.currentTarget.value)} />
          <ProblemAlert problem={members.problem} />
          {shown && members.data && (members.data.members.length === 0 ? <p>{shown} has no members of its own.</p> : (
            <Table label={`Members of ${shown}`}>
              <thead><tr><th scope="col">Username</th><th scope="col">Display name</th><th scope="col">Kind</th><th scope="col">Since</th></tr></thead>
              <tbody>
                {members.data.members.map((m) => (
                  <tr key={m.id}><td><a href={`/admin/users/${m.id}`}>{m.username}</a></td><td>{m.display_name}</td><td>{m.kind}</td><td><Time at={m.added_at} /></td></tr>
                ))}
              </tbody>
            </Table>
          ))}
        </section>
      )}
    </Page>
  );
}

