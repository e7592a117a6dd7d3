// The secrets area: its own navigation (browse, new secret) and its pages. A secret's page is at
// its path: /secrets/team/web/production/db-password.
import { Route, Router, useLocation } from 'preact-iso';
import { useSession } from '../../session.jsx';
import { NotFound } from '../NotFound.jsx';
import { Browser } from './Browser.jsx';
import { NewSecret } from './NewSecret.jsx';
import { Secret } from './Secret.jsx';

export function Secrets() {
  const session = useSession();
  const { path } = useLocation();
  const current = (yes) => (yes ? 'page' : undefined);
  return (
    <>
      <nav aria-label="Secrets" class="subnav">
        <ul>
          <li><a href="/secrets" aria-current={current(path === '/secrets')}>Browse</a></li>
          {session.can('secrets.secret.write') && (
            <li><a href="/secrets/new" aria-current={current(path === '/secrets/new')}>New secret</a></li>
          )}
        </ul>
      </nav>
      <Router>
        <Route path="/" component={Browser} />
        <Route path="/new" component={NewSecret} />
        <Route path="/team/:secret+" component={Secret} scope="team" />
        <Route path="/entity/:secret+" component={Secret} scope="entity" />
        <Route default component={NotFound} />
      </Router>
    </>
  );
}
