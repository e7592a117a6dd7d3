// Adding a person to a team, or taking them out, by username: on the Teams page (the team chosen
// from a list) and on a team's own page (that team). Usernames are suggested to those who may
// read users; an unknown one is refused at the field, as typed.
import { Problem, api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Done, Field, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';

/** `team` fixes the team; otherwise `teams` (names) are offered. `onChange(teamName)` follows a change. */
export function MemberForm({ team, teams, onChange, listId = 'team-users' }) {
  const session = useSession();
  const users = useApi(session.can('iam.user.read') ? '/iam/users' : null, { limit: 500 });   /* suggestions only */
  const membership = useAction(async (v, add) => {
    const found = await api('/iam/users', { query: { username: v.user, limit: 1 } });
    const user = found.users[0];
    if (!user) throw Problem.fields({ user: `there is no user ${v.user}` });   /* as typed: never lower-cased */
    const answer = await api(`/iam/teams/${encodeURIComponent(v.team)}/members/${user.id}`, { method: add ? 'PUT' : 'DELETE' });
    onChange?.(v.team);
    return { ...answer, username: user.username };
  });

  function onSubmit(e) {
    e.preventDefault();
    const v = formValues(e);
    if (team) v.team = team;
    membership.run(v, e.submitter?.value !== 'remove');
  }

  const r = membership.result;
  return (
    <form class="stack" onSubmit={onSubmit}>
      {!team && <Field label="Team" name="team" options={teams} required problem={membership.problem} />}
      <Field label="User" name="user" required list={listId} autocomplete="off"
             hint="A username." problem={membership.problem} />
      <datalist id={listId}>
        {users.data?.users.map((u) => <option key={u.id} value={u.username} />)}
      </datalist>
      <ProblemAlert problem={membership.problem ?? users.problem} fields={['team', 'user']} />
      <Done>{r && `${r.username} ${r.member ? 'is now a member of' : 'is no longer a member of'} ${r.team}.`}</Done>
      <div class="actions">
        <button type="submit" class="primary" value="add" disabled={membership.busy}>Add member</button>
        <button type="submit" value="remove" disabled={membership.busy}>Remove member</button>
      </div>
    </form>
  );
}
