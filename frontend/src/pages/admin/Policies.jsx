// Attribute policies: where a permission (or a family, "secrets.*", or "*") and the resource's
// attributes (environment, kind, owner) match, the caller must also hold a role there and/or
// belong to the owning team.
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Done, Field, formValues, RULE_NAME_PATTERN } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';

const ATTRIBUTES = [
  ['environment', 'Environment', 'For example production; * for any'],
  ['kind', 'Kind', 'For example database; * for any'],
  ['owner', 'Owner team', 'A team name; * for any'],
];

function conditionsText(conditions) {
  const parts = Object.entries(conditions ?? {}).map(([k, v]) => `${k} = ${v}`);
  return parts.length ? parts.join(', ') : 'any resource';
}

export function Policies() {
  const session = useSession();
  const writer = session.can('iam.policy.write');
  const policies = useApi('/iam/policies');
  const roles = useApi(writer ? '/iam/roles' : null);

  const create = useAction(async (form, v) => {
    const conditions = {};
    for (const [a] of ATTRIBUTES) if (v[`conditions.${a}`]) conditions[a] = v[`conditions.${a}`];
    const body = { name: v.name, description: v.description, permission: v.permission, conditions, require_owner: v.require_owner === 'on' };
    if (v.require_role) body.require_role = v.require_role;
    const policy = await api('/iam/policies', { method: 'POST', body });
    form.reset();
    policies.reload();
    return policy;
  });
  const remove = useConfirmation(async (policy) => {
    const answer = await api(`/iam/policies/${policy.id}`, { method: 'DELETE' });
    policies.reload();
    return answer;
  });

  const permissions = roles.data?.permissions ?? [];
  const families = [...new Set(permissions.map((p) => `${p.split('.')[0]}.*`))];

  return (
    <Page title="Attribute policies"
          intro="A policy narrows what roles grant: where its permission and conditions match a resource, the caller must also hold the required role there, belong to the team that owns the resource, or both.">
      <section aria-labelledby="policy-list-h">
        <h2 id="policy-list-h">All policies</h2>
        <ProblemAlert problem={policies.problem} />
        {policies.data && (policies.data.policies.length === 0 ? <p>No policies yet.</p> : (
          <Table label="Policies table">
            <thead><tr><th scope="col">Name</th><th scope="col">Permission</th><th scope="col">When</th><th scope="col">Requires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {policies.data.policies.map((p) => (
                <tr key={p.id}>
                  <td>{p.name}{p.description && <div class="hint">{p.description}</div>}</td>
                  <td><code>{p.permission}</code></td>
                  <td>{conditionsText(p.conditions)}</td>
                  <td>{[p.require_role && `role ${p.require_role}`, p.require_owner && 'ownership'].filter(Boolean).join(' and ') || '—'}</td>
                  <td>
                    {writer && (
                      <button type="button" class="danger" onClick={() => remove.ask(p)}>
                        Delete<span class="visually-hidden"> policy {p.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        ))}
      </section>

      {writer && policies.data && (
        <section aria-labelledby="policy-new-h">
          <h2 id="policy-new-h">New policy</h2>
          <form class="stack" onSubmit={(e) => { e.preventDefault(); create.run(e.currentTarget, formValues(e)); }}>
            <Field label="Name" name="name" required maxLength={64} pattern={RULE_NAME_PATTERN} autocomplete="off"
                   hint="Lower-case letters, digits and '-', starting with a letter." problem={create.problem} />
            <Field label="Description" name="description" maxLength={500} problem={create.problem} />
            <Field label="Permission" name="permission" required maxLength={128} list="policy-permissions" autocomplete="off"
                   hint="A permission, a family such as secrets.*, or * for all." problem={create.problem} />
            <datalist id="policy-permissions">{['*', ...families, ...permissions].map((p) => <option key={p} value={p} />)}</datalist>
            <fieldset>
              <legend>Applies to resources with (leave empty for any)</legend>
              {ATTRIBUTES.map(([a, label, hint]) => (
                <Field key={a} label={label} name={`conditions.${a}`} maxLength={64} hint={hint} problem={create.problem} />
              ))}
            </fieldset>
            <Field label="Required role" name="require_role" options={[['', '(none)'], ...(roles.data?.roles.map((r) => r.name) ?? [])]}
                   problem={create.problem} />
            <label class="choice"><input type="checkbox" name="require_owner" /> Require membership of the owner team</label>
            <p class="hint">A policy needs a required role, the owner team, or both.</p>
            <ProblemAlert problem={create.problem ?? roles.problem}
                          fields={['name', 'description', 'permission', 'require_role', ...ATTRIBUTES.map(([a]) => `conditions.${a}`)]} />
            <Done>{create.result && `Created policy ${create.result.name}.`}</Done>
            <button type="submit" class="primary" disabled={create.busy}>Create policy</button>
          </form>
        </section>
      )}

      {remove.subject && (
        <ConfirmDialog confirmation={remove} title={`Delete policy ${remove.subject.name}?`} confirm="Delete">
          <p>The permission {remove.subject.permission} is no longer narrowed by this rule.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
