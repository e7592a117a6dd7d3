// Explain: may this user do this (on this team, catalog entity or kind of resource), and why — the
// binding or policy that decided, and every binding that was considered; for an entity, the team
// that owns it; when it is not allowed, the binding that would allow it.
import { useAction, useApi } from '../../hooks.js';
import { api } from '../../api.js';
import { Field, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { heldText, sentence } from '../../format.js';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { useSession } from '../../session.jsx';
import { PERMISSION_WORDS } from '../../problems.js';

const FIELDS = ['user', 'permission', 'team', 'resource', 'environment', 'kind'];

export function Explain() {
  const session = useSession();
  // Suggestions, each from what the session may read: the permissions (else the portal's own list
  // of them), the teams (else a team is typed), the users.
  const roles = useApi(session.can('iam.role.read') ? '/iam/roles' : null);
  const teams = useApi(session.can('iam.team.read') ? '/iam/teams' : null);
  const users = useApi(session.can('iam.user.read') ? '/iam/users' : null, { limit: 500 });
  const permissions = roles.data?.permissions ?? (session.can('iam.role.read') ? [] : Object.keys(PERMISSION_WORDS).sort());
  const explain = useAction((query) => api('/iam/explain', { query }));
  const answer = explain.result;

  return (
    <Page title="Explain a decision" intro="Ask whether a user holds a permission, for a resource or everywhere, and see why.">
      <form class="filters" onSubmit={(e) => { e.preventDefault(); explain.run(formValues(e)); }}>
        <Field label="User" name="user" required list="explain-users" autocomplete="off" problem={explain.problem} />
        <datalist id="explain-users">{users.data?.users.map((u) => <option key={u.id} value={u.username} />)}</datalist>
        <Field label="Permission" name="permission" required options={permissions} problem={explain.problem} />
        {session.can('iam.team.read')
          ? <Field label="Team" name="team" options={[['', '(any)'], ...(teams.data?.teams.map((t) => t.name) ?? [])]} problem={explain.problem} />
          : <Field label="Team" name="team" maxLength={63} autocomplete="off" problem={explain.problem} />}
        <Field label="Entity" name="resource" maxLength={255} hint="A catalog ref; its owner and kind come from the catalog."
               problem={explain.problem} />
        <Field label="Environment" name="environment" maxLength={100} problem={explain.problem} />
        <Field label="Kind" name="kind" maxLength={100} problem={explain.problem} />
        <div class="actions"><button type="submit" class="primary" disabled={explain.busy}>Explain</button></div>
      </form>
      <ProblemAlert problem={explain.problem ?? roles.problem ?? teams.problem ?? users.problem} fields={FIELDS} />

      {answer && (
        <section aria-labelledby="verdict-h" aria-live="polite" class="verdict">
          <h2 id="verdict-h" class={answer.allowed ? 'allowed' : 'denied'}>
            {answer.allowed ? 'Allowed' : 'Not allowed'}: {answer.user} {answer.allowed ? 'holds' : 'does not hold'} {answer.permission}
          </h2>
          {answer.resource.entity && (
            <p>{answer.owner_team ? <>{answer.resource.entity} is owned by team <strong>{answer.owner_team}</strong>.</>
              : answer.resource.in_catalog === false ? `${answer.resource.entity} is not in the catalog.` : `${answer.resource.entity} has no owner team.`}</p>
          )}
          <p>{sentence(answer.reason)}</p>
          {answer.needed && (
            <p class="notice" role="note">What would allow it: {sentence(answer.needed.text)}
              {session.can('iam.binding.write') && <> <a href="/admin/bindings">Bind a role</a></>}</p>
          )}
          {answer.decided_by && (
            <p>Decided by the binding of role <strong>{answer.decided_by.role}</strong> in scope {answer.decided_by.scope_type}
              {answer.decided_by.scope_id && ` ${answer.decided_by.scope_id}`}, held {heldText(answer.decided_by.via)}.</p>
          )}
          {answer.policy && <p>Decided by the policy <strong>{typeof answer.policy === 'object' ? answer.policy.name : answer.policy}</strong>.</p>}
          <h3>Bindings considered</h3>
          {answer.considered.length === 0 ? <p>The user holds no binding, directly or through a team.</p> : (
            <Table label="Bindings considered">
              <thead><tr><th scope="col">Role</th><th scope="col">Scope</th><th scope="col">Held</th><th scope="col">Role has the permission</th></tr></thead>
              <tbody>
                {answer.considered.map((b, i) => (
                  <tr key={i}>
                    <td>{b.role}</td>
                    <td>{b.scope_type}{b.scope_id && ` ${b.scope_id}`}</td>
                    <td>{heldText(b.via)}</td>
                    <td>{b.role_has_permission ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </section>
      )}
    </Page>
  );
}
