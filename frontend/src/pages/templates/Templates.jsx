// The templates area: its own navigation (the gallery, uploading a template) and its pages: a
// template at /templates/<name> (?version=), its request form at /templates/<name>/request.
// Uploading lives at /templates/_new: no template name starts with "_".
import { Route, Router, useLocation } from 'preact-iso';
import { useSession } from '../../session.jsx';
import { NotFound } from '../NotFound.jsx';
import { Gallery } from './Gallery.jsx';
import { NewTemplate } from './NewTemplate.jsx';
import { RequestForm } from './RequestForm.jsx';
import { Template } from './Template.jsx';

export function Templates() {
  const session = useSession();
  const { path } = useLocation();
  const current = (yes) => (yes ? 'page' : undefined);
  return (
    <>
      <nav aria-label="Templates" class="subnav">
        <ul>
          <li><a href="/templates" aria-current={current(path === '/templates')}>Gallery</a></li>
          {session.can('templates.template.write') && (
            <li><a href="/templates/_new" aria-current={current(path === '/templates/_new')}>Upload a template</a></li>
          )}
          {session.can('provision.resource.read') && <li><a href="/resources">My resources</a></li>}
        </ul>
      </nav>
      <Router>
        <Route path="/" component={Gallery} />
        <Route path="/_new" component={NewTemplate} />
        <Route path="/:name/request" component={RequestForm} />
        <Route path="/:name" component={Template} />
        <Route default component={NotFound} />
      </Router>
    </>
  );
}
