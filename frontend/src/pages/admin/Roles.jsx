// Roles: the built-in ones (viewer ⊂ developer ⊂ maintainer ⊂ admin) and custom roles, each
// with its permissions; creating and deleting custom roles.
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Choices, Done, Field, formValues, RULE_NAME_PATTERN } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';

export function Roles() {
  const session = useSession();
  const roles = useApi('/iam/roles');
  const create = useAction(async (form, v) => {
    const role = await api('/iam/roles', {
      method: 'POST',
      body: { name: v.name, description: v.description, permissions: v.permissions },
    });
    form.reset();
    roles.reload();
    return role;
  });
  const remove = useConfirmation(async (role) => {
    const answer = await api(`/iam/roles/${encodeURIComponent(role.name)}`, { method: 'DELETE' });
    roles.reload();
    return answer;
  });
  const writer = session.can('iam.role.write');

  return (
    <Page title="Roles">
      <ProblemAlert problem={roles.problem} />
      {roles.data && (
        <section aria-labelledby="role-list-h">
          <h2 id="role-list-h">All roles</h2>
          <ul class="role-list">
            {roles.data.roles.map((r) => (
              <li key={r.name} class="card">
                <h3>{r.name} <span class="badge">{r.builtin ? 'built-in' : 'custom'}</span></h3>
                {r.description && <p>{r.description}</p>}
                <p class="permissions">{r.permissions.join(', ')}</p>
                {writer && !r.builtin && (
                  <button type="button" class="danger" onClick={() => remove.ask(r)}>
                    Delete<span class="visually-hidden"> role {r.name}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      {writer && roles.data && (
        <section aria-labelledby="role-new-h">
          <h2 id="role-new-h">New custom role</h2>
          <form class="stack" onSubmit={(e) => { e.preventDefault(); create.run(e.currentTarget, formValues(e, ['permissions'])); }}>
            <Field label="Name" name="name" required maxLength={64} pattern={RULE_NAME_PATTERN} autocomplete="off"
                   hint="Lower-case letters, digits and '-', starting with a letter." problem={create.problem} />
            <Field label="Description" name="description" maxLength={500} problem={create.problem} />
            <Choices legend="Permissions" name="permissions" choices={roles.data.permissions} problem={create.problem} />
            <ProblemAlert problem={create.problem} fields={['name', 'description', 'permissions']} />
            <Done>{create.result && `Created role ${create.result.name}.`}</Done>
            <button type="submit" class="primary" disabled={create.busy}>Create role</button>
          </form>
        </section>
      )}

      {remove.subject && (
        <ConfirmDialog confirmation={remove} title={`Delete role ${remove.subject.name}?`} confirm="Delete">
          <p>Bindings of this role stop giving its permissions.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
