// Who is logged in, their teams, and what they may do: GET /auth/session answers the user,
// the teams, every role binding held (and how), and the permissions held somewhere. It guides
// what the portal shows; the API still decides, and pages show its refusal when it does.
// The session cookie is HttpOnly, so the portal remembers only that it logged in (a hint in
// localStorage): a visitor who never did goes straight to the login page instead of asking
// for a session that is not there (which the API would audit as a refused request).
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken, whenUnauthenticated } from './api.js';

const SessionContext = createContext(null);
const HINT = 'portico.logged-in';

function remember(loggedIn) {
  if (loggedIn) localStorage.setItem(HINT, '1');
  else localStorage.removeItem(HINT);
}

/**
 * {status: 'loading'|'out'|'in', user, teams, roles, can(permission), mustChangePassword, login, logout,
 * refresh}; when out, `ended` says a session just ended and `problem` why the session could not be
 * read. mustChangePassword: an administrator reset the password, and the API answers nothing but
 * the password change until it is changed (so `can` holds nothing meanwhile).
 */
export function useSession() {
  return useContext(SessionContext);
}

async function loadSession() {
  const s = await api('/auth/session');
  setCsrfToken(s.csrf_token ?? null);
  remember(true);
  return {
    status: 'in', user: s.user, teams: s.teams, roles: s.roles, permissions: new Set(s.permissions),
    mustChangePassword: Boolean(s.must_change_password),
  };
}

export function SessionProvider({ children }) {
  const [state, setState] = useState(() => ({ status: localStorage.getItem(HINT) ? 'loading' : 'out' }));

  useEffect(() => {
    // A 401 from any request: the session ended (idle, expired, or the user was disabled).
    whenUnauthenticated(() => {
      setCsrfToken(null);
      remember(false);
      setState((s) => ({ status: 'out', ended: s.status !== 'out' }));
    });
    if (state.status === 'loading') loadSession().then(setState, (problem) => setState((s) => ({ ...s, status: 'out', problem })));
  }, []);

  const value = {
    ...state,
    can: (permission) => !state.mustChangePassword && Boolean(state.permissions?.has(permission)),
    async refresh() {
      setState(await loadSession());
    },
    async login(username, password) {
      const answer = await api('/auth/login', { method: 'POST', body: { username, password } });
      setCsrfToken(answer.csrf_token);
      setState(await loadSession());
    },
    async logout() {
      await api('/auth/logout', { method: 'POST' }).catch(() => {});
      setCsrfToken(null);
      remember(false);
      setState({ status: 'out' });
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
