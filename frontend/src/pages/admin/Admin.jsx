// The admin area: its own navigation and a page per part of identity and access. A part the
// session may not use is not in the navigation, and its address says why it is not theirs.
import { Route, Router, useLocation } from 'preact-iso';
import { useSession } from '../../session.jsx';
import { Page } from '../../components/Page.jsx';
import { NotFound } from '../NotFound.jsx';
import { Users } from './Users.jsx';
import { ServiceTokens } from './ServiceTokens.jsx';
import { Teams } from './Teams.jsx';
import { Team } from './Team.jsx';
import { User } from './User.jsx';
import { Roles } from './Roles.jsx';
import { Bindings } from './Bindings.jsx';
import { Policies } from './Policies.jsx';
import { Explain } from './Explain.jsx';
import { Refused } from '../Refused.jsx';

const SECTIONS = [
  { path: '/users', label: 'Users', needs: 'iam.user.read', component: Users,
    about: 'People and service accounts: create, edit, disable and enable them, reset a password; each one\'s page.' },
  { path: '/teams', label: 'Teams', needs: 'iam.team.read', component: Teams,
    about: 'Teams and sub-teams, who is a member, what each owns; rename, move or delete a team.' },
  { path: '/roles', label: 'Roles', needs: 'iam.role.read', component: Roles,
    about: 'Built-in and custom roles and the permissions each holds.' },
  { path: '/bindings', label: 'Bindings', needs: 'iam.role.read', component: Bindings,
    about: 'Who holds which role, everywhere or for a team or an entity.' },
  { path: '/policies', label: 'Policies', needs: 'iam.role.read', component: Policies,
    about: 'Attribute rules that narrow permissions by environment, kind or ownership.' },
  { path: '/explain', label: 'Explain', needs: 'iam.explain', component: Explain,
    about: 'May this user do this, and why: the binding or policy that decides.' },
];

export function Admin() {
  const session = useSession();
  const { path } = useLocation();
  const sections = SECTIONS.filter((s) => session.can(s.needs));
  return (
    <>
      {sections.length > 0 && (
        <nav aria-label="Admin" class="subnav">
          <ul>
            {sections.map((s) => <li key={s.path}>
                <a href={`/admin${s.path}`} aria-current={path.startsWith(`/admin${s.path}`) ? 'page' : undefined}>{s.label}</a>
              </li>)}
          </ul>
        </nav>
      )}
      <Router>
        <Route path="/" component={Overview} sections={sections} />
        {SECTIONS.map((s) => (session.can(s.needs)
          ? <Route key={s.path} path={s.path} component={s.component} />
          : <Route key={s.path} path={s.path} component={Refused} title={s.label} needs={s.needs} />))}
        {session.can('iam.user.read')
          ? <Route path="/users/:id/tokens" component={ServiceTokens} />
          : <Route path="/users/:id/tokens" component={Refused} title="Tokens" needs="iam.user.read" />}
        {session.can('iam.user.read')
          ? <Route path="/users/:id" component={User} />
          : <Route path="/users/:id" component={Refused} title="User" needs="iam.user.read" />}
        {session.can('iam.team.read')
          ? <Route path="/teams/:name" component={Team} />
          : <Route path="/teams/:name" component={Refused} title="Team" needs="iam.team.read" />}
        <Route default component={NotFound} />
      </Router>
    </>
  );
}

function Overview({ sections }) {
  return (
    <Page title="Admin">
      {sections.length === 0 ? (
        <p class="notice">You hold no administrative permission. An administrator can give you a role.</p>
      ) : (
        <ul class="cards">
          {sections.map((s) => (
            <li key={s.path} class="card"><a href={`/admin${s.path}`}>{s.label}</a><p>{s.about}</p></li>
          ))}
        </ul>
      )}
    </Page>
  );
}
