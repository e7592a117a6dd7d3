// The portal's areas: the navigation, the home page and the routes are all made from this list.
// `about` says what the area holds; `needs` lists permissions of which any one shows the area
// (areas without it are for everyone); `built` is false for areas that are still to come.

export const ADMIN_PERMISSIONS = ['iam.user.read', 'iam.team.read', 'iam.role.read', 'iam.explain'];

export const areas = [
  {
    path: '/catalog',
    label: 'Catalog',
    built: true,
    about: 'Every service, library, website and resource with the team that owns it, its links, its dependencies and its running instances, imported from catalog files in your repositories.',
  },
  {
    path: '/templates',
    label: 'Templates',
    built: true,
    about: 'Versioned templates for new services and resources (a database, a repository, a static site), published by the platform team and ready to fill in.',
    needs: ['templates.template.read'],
  },
  {
    path: '/resources',
    label: 'Resources',
    built: true,
    about: 'What your teams have provisioned from templates: status, owner, expiry and renewal, and requests waiting for approval.',
    needs: ['provision.resource.read'],
  },
  {
    path: '/secrets',
    label: 'Secrets',
    built: true,
    about: 'Secrets of your teams and services, encrypted at rest and versioned: see what exists, write new versions, and reveal a value when your role allows (every reveal is recorded).',
    needs: ['secrets.secret.read'],
  },
  {
    path: '/deployments',
    label: 'Deployments',
    built: false,
    about: 'Deployments of each service across environments, as reported by your CI, with the version and who started it.',
  },
  {
    path: '/health',
    label: 'Health',
    built: false,
    about: 'The health of each service and its instances, from their probes, with the recent history of failures.',
  },
  {
    path: '/docs',
    label: 'Docs',
    built: false,
    about: 'The documentation of your services, gathered from their repositories, and the API reference of Portico itself.',
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
