// The portal: the session decides between the login page and the pages behind the layout;
// the routes are the areas' (areas.js) plus the account pages; any other path is Not Found.
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { SessionProvider, useSession } from './session.jsx';
import { Layout } from './components/Layout.jsx';
import { Login } from './pages/Login.jsx';
import { Home } from './pages/Home.jsx';
import { NotFound } from './pages/NotFound.jsx';
import { Tokens } from './pages/Tokens.jsx';
import { Password } from './pages/Password.jsx';
import { Audit } from './pages/Audit.jsx';
import { ApiReference } from './pages/ApiReference.jsx';
import { Catalog } from './pages/catalog/Catalog.jsx';
import { Secrets } from './pages/secrets/Secrets.jsx';
import { Templates } from './pages/templates/Templates.jsx';
import { Resources } from './pages/provision/Resources.jsx';
import { Admin } from './pages/admin/Admin.jsx';
import { Search } from './pages/Search.jsx';
import { Cicd } from './pages/cicd/Cicd.jsx';
import { Status } from './pages/Status.jsx';
import { Health } from './pages/Health.jsx';
import { Alerts } from './pages/alerts/Alerts.jsx';
import { AuditRequest } from './pages/AuditRequest.jsx';

// Links to the API (exports) are left to the browser; everything else is the portal's.
const PORTAL_PATHS = /^\/(?!api\/)/;

export function App() {
  return (
    <LocationProvider scope={PORTAL_PATHS}>
      <SessionProvider>
        <Portal />
      </SessionProvider>
    </LocationProvider>
  );
}

function Portal() {
  const session = useSession();
  if (session.status === 'loading') return <p class="loading" role="status">Loading Portico…</p>;
  if (session.status === 'out') return <Login />;
  // After an administrator's reset, the new password comes before anything else.
  if (session.mustChangePassword) return <Layout><ForcedPasswordChange /></Layout>;
  return (
    <Layout>
      <Router>
        <Route path="/" component={Home} />
        <Route path="/login" component={ToHome} />
        <Route path="/docs/api" component={ApiReference} />
        <Route path="/catalog" component={Catalog} />
        <Route path="/catalog/*" component={Catalog} />
        <Route path="/templates" component={Templates} />
        <Route path="/templates/*" component={Templates} />
        <Route path="/resources" component={Resources} />
        <Route path="/resources/*" component={Resources} />
        <Route path="/cicd" component={Cicd} />
        <Route path="/cicd/*" component={Cicd} />
        <Route path="/secrets" component={Secrets} />
        <Route path="/secrets/*" component={Secrets} />
        <Route path="/audit" component={Audit} />
        <Route path="/audit/requests/:id" component={AuditRequest} />
        <Route path="/admin" component={Admin} />
        <Route path="/admin/*" component={Admin} />
        <Route path="/search" component={Search} />
        <Route path="/status" component={Status} />
        <Route path="/health" component={Health} />
        <Route path="/alerts" component={Alerts} />
        <Route path="/alerts/*" component={Alerts} />
        <Route path="/account/tokens" component={Tokens} />
        <Route path="/account/password" component={Password} />
        <Route default component={NotFound} />
      </Router>
    </Layout>
  );
}

// Any path leads to the password page while the password must be changed.
function ForcedPasswordChange() {
  const { path, route } = useLocation();
  useEffect(() => {
    if (path !== '/account/password') route('/account/password', true);
  }, [path]);
  return <Password forced />;
}

// Logged in already: /login leads home.
function ToHome() {
  const { route } = useLocation();
  useEffect(() => route('/', true), []);
  return null;
}
