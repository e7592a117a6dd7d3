// Logging in: username (or email) and password. Shown at whatever path was asked for, which
// then appears once logged in.
import { useEffect } from 'preact/hooks';
import { useAction } from '../hooks.js';
import { useSession } from '../session.jsx';
import { Field, formValues } from '../components/forms.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { Readiness } from '../components/Readiness.jsx';

export function Login() {
  const session = useSession();
  const login = useAction(({ username, password }) => session.login(username, password));
  useEffect(() => {
    document.title = 'Log in · Portico';
  }, []);

  return (
    <>
      <main id="main" class="login">
        <h1>Log in to Portico</h1>
        {session.ended && !login.problem && (
          <p class="notice" role="status">Your session has ended. Log in again to continue.</p>
        )}
        <form onSubmit={(e) => { e.preventDefault(); login.run(formValues(e)); }}>
          <Field label="Username or email" name="username" autocomplete="username" required maxLength={254}
                 problem={login.problem} />
          <Field label="Password" name="password" type="password" autocomplete="current-password" required
                 problem={login.problem} />
          <ProblemAlert problem={login.problem ?? (session.problem?.status !== 401 ? session.problem : null)}
                        fields={['username', 'password']} />
          <button type="submit" class="primary" disabled={login.busy}>{login.busy ? 'Logging in…' : 'Log in'}</button>
        </form>
      </main>
      <footer class="footer"><Readiness /></footer>
    </>
  );
}
