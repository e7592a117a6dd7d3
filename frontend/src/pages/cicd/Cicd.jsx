// The delivery area: a team's dashboard at /cicd, a deploy at /cicd/deploys/<id>, an
// integration's setup at /cicd/integrations/<id>. An entity's own CI/CD is on its catalog page.
import { Route, Router } from 'preact-iso';
import { NotFound } from '../NotFound.jsx';
import { Dashboard } from './Dashboard.jsx';
import { Deploy } from './Deploy.jsx';
import { Integration } from './Integration.jsx';

export function Cicd() {
  return (
    <Router>
      <Route path="/" component={Dashboard} />
      <Route path="/deploys/:id" component={Deploy} />
      <Route path="/integrations/:id" component={Integration} />
      <Route default component={NotFound} />
    </Router>
  );
}
