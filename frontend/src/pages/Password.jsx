// Changing one's password (it ends every other session of the user). `forced`: an administrator
// reset it, and the temporary password must be changed before Portico shows anything else.
import { useLocation } from 'preact-iso';
import { Problem, api } from '../api.js';
import { useAction } from '../hooks.js';
import { Done, Field, formValues } from '../components/forms.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { useSession } from '../session.jsx';
import { sentence } from '../format.js';
import { Page } from '../components/Page.jsx';

export function Password({ forced = false }) {
  const session = useSession();
  const { route } = useLocation();
  const change = useAction(async (form, v) => {
    if (v.new_password !== v.repeat) {
      throw Problem.fields({ repeat: 'is not the same as the new password' });
    }
    const answer = await api('/auth/password', { method: 'POST', body: { current_password: v.current_password, new_password: v.new_password } });
    form.reset();
    if (forced) {
      await session.refresh();
      route('/', true);
    }
    return answer;
  });
  const fields = ['current_password', 'new_password', 'repeat'];
  return (
    <Page title={forced ? 'Choose a new password' : 'Change password'}
          intro={forced ? null : 'Your other sessions end when the password changes; this one goes on.'}>
      {forced && (
        <p class="notice" role="status">An administrator reset your password. The password you logged in with was a
          temporary one: choose a new password of your own to go on. Until then Portico shows nothing else.</p>
      )}
      <form class="stack" onSubmit={(e) => { e.preventDefault(); change.run(e.currentTarget, formValues(e)); }}>
        <Field label={forced ? 'Temporary password' : 'Current password'} name="current_password" type="password"
               autocomplete="current-password" required problem={change.problem} />
        <Field label="New password" name="new_password" type="password" autocomplete="new-password" required minLength={12}
               hint="At least 12 characters." problem={change.problem} />
        <Field label="New password again" name="repeat" type="password" autocomplete="new-password" required problem={change.problem} />
        <ProblemAlert problem={change.problem} fields={fields} />
        <Done>{change.result && sentence(change.result.status)}</Done>
        <button type="submit" class="primary" disabled={change.busy}>Change password</button>
      </form>
    </Page>
  );
}
