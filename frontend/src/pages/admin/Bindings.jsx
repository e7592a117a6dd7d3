// Role bindings: who (a user, a team, or every member of any team) holds which role, everywhere
// (global) or for one team or entity. A team's binding reaches the members of the team and of its
// sub-teams. The built-in binding gives every team member catalog-reader everywhere: it can be
// removed (team members then read only what their other bindings allow) and made again.
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Done, Field, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { sentence } from '../../format.js';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';

const SUBJECT_TYPES = [['user', 'User'], ['team', 'Team'], ['members', 'Every member of any team']];
const DEFAULT_BINDING = { subject_type: 'members', role: 'catalog-reader', scope_type: 'global', scope_id: '' };
const SCOPES = [['global', 'Global (everywhere)'], ['team', 'A team'], ['entity', 'An entity']];

function scopeText(b) {
  return b.scope_type === 'global' ? 'global' : `${b.scope_type} ${b.scope_id}`;
}

function subjectText(b) {
  return b.subject_type === 'members' ? 'every member of any team' : `${b.subject_type} ${b.subject}`;
}

export function Bindings() {
  const session = useSession();
  const writer = session.can('iam.binding.write');
  const bindings = useApi('/iam/bindings');
  const roles = useApi(writer ? '/iam/roles' : null);
  const teams = useApi(writer && session.can('iam.team.read') ? '/iam/teams' : null);   /* suggestions */
  const users = useApi(writer && session.can('iam.user.read') ? '/iam/users' : null, { limit: 500 });
  const [scope, setScope] = useState('global');
  const [subjectType, setSubjectType] = useState('user');

  const create = useAction(async (form, v) => {
    const body = { subject_type: v.subject_type, role: v.role, scope_type: v.scope_type, scope_id: v.scope_id ?? '' };
    if (v.subject_type !== 'members') body.subject = v.subject;
    const binding = await api('/iam/bindings', { method: 'POST', body });
    form.reset();
    setScope('global');
    setSubjectType('user');
    bindings.reload();
    return binding;
  });
  const restore = useAction(async () => {
    const binding = await api('/iam/bindings', { method: 'POST', body: DEFAULT_BINDING });
    bindings.reload();
    return binding;
  });
  const hasDefault = bindings.data?.bindings.some((b) => b.builtin);
  const remove = useConfirmation(async (binding) => {
    const answer = await api(`/iam/bindings/${binding.id}`, { method: 'DELETE' });
    bindings.reload();
    return answer;
  });
  const teamNames = teams.data?.teams.map((t) => t.name) ?? [];
  const subjects = subjectType === 'team' ? teamNames : users.data?.users.map((u) => u.username) ?? [];

  return (
    <Page title="Role bindings">
      {writer && (
        <section aria-labelledby="binding-new-h">
          <h2 id="binding-new-h">New binding</h2>
          <form class="stack" onSubmit={(e) => { e.preventDefault(); create.run(e.currentTarget, formValues(e)); }}>
            <Field label="Subject type" name="subject_type" options={SUBJECT_TYPES} value={subjectType}
                   onChange={(e) => setSubjectType(e.currentTarget.value)} problem={create.problem} />
            {subjectType !== 'members' && (
              <Field label={subjectType === 'team' ? 'Team' : 'User'} name="subject" required list="binding-subjects"
                     autocomplete="off" problem={create.problem} />
            )}
            <datalist id="binding-subjects">{subjects.map((s) => <option key={s} value={s} />)}</datalist>
            <Field label="Role" name="role" options={roles.data?.roles.map((r) => r.name) ?? []} required problem={create.problem} />
            <Field label="Scope" name="scope_type" options={SCOPES} value={scope}
                   onChange={(e) => setScope(e.currentTarget.value)} problem={create.problem} />
            {scope === 'team' && (session.can('iam.team.read')
              ? <Field label="Team in scope" name="scope_id" options={teamNames} required problem={create.problem} />
              : <Field label="Team in scope" name="scope_id" required maxLength={63} autocomplete="off" problem={create.problem} />)}
            {scope === 'entity' && <Field label="Entity in scope" name="scope_id" required maxLength={255}
                                          hint="The entity's reference, e.g. component:default/payments." problem={create.problem} />}
            <ProblemAlert problem={create.problem ?? roles.problem ?? teams.problem ?? users.problem}
                          fields={['subject_type', 'subject', 'role', 'scope_type', 'scope_id']} />
            <Done>{create.result && `${create.result.subject ?? 'Every member of any team'} now holds ${create.result.role} (${scopeText(create.result)}).`}</Done>
            <button type="submit" class="primary" disabled={create.busy}>Bind role</button>
          </form>
        </section>
      )}

      <section aria-labelledby="binding-list-h">
        <h2 id="binding-list-h">All bindings</h2>
        <ProblemAlert problem={bindings.problem ?? restore.problem} />
        {bindings.data && !hasDefault && (
          <div class="notice" role="note">
            <p>Team members do not read the whole catalog: the built-in binding that gives every member of any team
              catalog-reader everywhere was removed. Each reads only what their other bindings allow.</p>
            {writer && <button type="button" onClick={() => restore.run()} disabled={restore.busy}>Give team members the catalog again</button>}
          </div>
        )}
        <Done>{restore.result && 'Every member of any team reads the whole catalog again.'}</Done>
        {bindings.data && (
          <Table label="Bindings table">
            <thead><tr><th scope="col">Subject</th><th scope="col">Role</th><th scope="col">Scope</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {bindings.data.bindings.map((b) => (
                <tr key={b.id}>
                  <td>{subjectText(b)}{b.builtin && <> <span class="badge">built-in</span></>}</td>
                  <td>{b.role}</td>
                  <td>{scopeText(b)}</td>
                  <td>
                    {writer && (
                      <button type="button" class="danger" onClick={() => remove.ask(b)}>
                        Remove<span class="visually-hidden"> {b.role} of {b.subject ?? 'every member of any team'}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>

      {remove.subject && (
        <ConfirmDialog confirmation={remove} title="Remove this binding?" confirm="Remove">
          <p>{sentence(`${subjectText(remove.subject)} stops holding ${remove.subject.role} (${scopeText(remove.subject)}) at once`)}</p>
          {remove.subject.builtin && <p>This is the built-in binding: members of teams then read only the parts of the
            catalog their other bindings allow. You can give it back from this page.</p>}
        </ConfirmDialog>
      )}
    </Page>
  );
}
