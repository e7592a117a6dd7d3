// The portal's areas: the navigation and the home page are made from this list (app.jsx routes them).
// `about` says what the area holds; `needs` lists permissions of which any one shows the area
// (areas without it are for everyone). Areas not built yet are not listed: they come with their
// own issues, and a visit to their address finds the portal's Not Found page.

export const ADMIN_PERMISSIONS = ['iam.user.read', 'iam.team.read', 'iam.role.read', 'iam.explain'];

export const areas = [
  {
    path: '/catalog',
    label: 'Catalog',
    about: 'Every service, library, website and resource with the team that owns it, its links, its dependencies and its running instances, imported from catalog files in your repositories.',
    needs: ['catalog.entity.read'],
  },
  {
    path: '/templates',
    label: 'Templates',
    about: 'Versioned templates for new services and resources (a database, a repository, a static site), published by the platform team and ready to fill in.',
    needs: ['templates.template.read'],
  },
  {
    path: '/resources',
    label: 'Resources',
    about: 'What your teams have provisioned from templates: status, owner, expiry and renewal, and requests waiting for approval.',
    needs: ['provision.resource.read'],
  },
  {
    path: '/cicd',
    label: 'Delivery',
    about: "How your team ships: the DORA figures and the pipelines behind them, by day. Deploys and rollbacks, test results and security findings are on each service's catalog page.",
    needs: ['cicd.read'],
  },
  {
    path: '/health',
    label: 'Health',
    about: 'Health checks failing now across the services you can see: HTTP, TCP and heartbeat checks the runner watches, added on each service’s catalog page.',
    needs: ['catalog.entity.read'],
  },
  {
    path: '/alerts',
    label: 'Alerts',
    about: "Alerts firing and pending now on your teams' services, each with its history and who acknowledged it; rules and each service's dashboard are on its catalog page.",
    needs: ['monitor.read'],
  },
  {
    path: '/secrets',
    label: 'Secrets',
    about: 'Secrets of your teams and services, encrypted at rest and versioned: see what exists, write new versions, and reveal a value when your role allows (every reveal is recorded).',
    needs: ['secrets.secret.read'],
  },
  {
    path: '/audit',
    label: 'Audit',
    about: 'Who did what and when, with the outcome: every change, login and refusal, to filter and export.',
    needs: ['audit.event.read'],
  },
  {
    path: '/admin',
    label: 'Admin',
    about: 'Users, teams, roles and their bindings, attribute policies, and why a permission is granted or not.',
    needs: ADMIN_PERMISSIONS,
  },
];

/** The areas the session may see. */
export function visibleAreas(session) {
  return areas.filter((a) => !a.needs || a.needs.some((p) => session.can(p)));
}
