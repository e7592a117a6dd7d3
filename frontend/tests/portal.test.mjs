// Browser tests of the portal, as a story told in order (each step uses what the previous made):
// the administrator logs in, makes an API token that then works from a script, creates a team,
// a user, a membership and a binding; that user logs in on a phone-sized screen and meets only
// what the viewer role allows; the audit log shows every step and exports it. Names carry a
// stamp, so the story runs on a fresh database and again on the same one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminNav, adminPassword, base, launch, logIn, mainNav, openPage, screenshot } from './browser.mjs';

const stamp = Date.now().toString(36);
const team = `qa-${stamp}`;
const user = `dev-${stamp}`;
const userPassword = `pw-${stamp}-long-enough`;
const tokenName = `ci-${stamp}`;

let browser;
let admin;   // the administrator's browser context, page and console problems
let viewer;  // the new user's

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
});
after(async () => { await browser?.close(); });

async function gotoAdmin(page, section) {
  await mainNav(page).getByRole('link', { name: 'Admin', exact: true }).click();
  await adminNav(page).getByRole('link', { name: section, exact: true }).click();
}

test('the administrator logs in and finds every built area in the navigation, and none that is not built', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  for (const name of ['Home', 'Catalog', 'Templates', 'Resources', 'Delivery', 'Health', 'Alerts', 'Secrets', 'Audit', 'Admin']) {
    await mainNav(page).getByRole('link', { name, exact: true }).waitFor();
  }
  const areas = page.getByRole('region', { name: 'Areas' });
  await areas.getByRole('link', { name: 'Catalog', exact: true }).waitFor();
  // Docs comes with its own issue (and deploys live under Delivery, /cicd): not in the menu, not
  // on Home, and its address is the portal's Not Found page.
  for (const name of ['Deployments', 'Docs']) {
    assert.equal(await mainNav(page).getByRole('link', { name, exact: true }).count(), 0, `${name} is not in the menu`);
    assert.equal(await areas.getByRole('link', { name, exact: true }).count(), 0, `${name} is not on Home`);
  }
  assert.doesNotMatch(await page.getByRole('main').textContent(), /not built yet/);
  for (const path of ['/deployments', '/docs', '/deployments/anything']) {
    await page.goto(base + path);
    await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor();
  }
  await screenshot(page, 'unbuilt-area-not-found');
});

test('the skip link, visible focus and the user menu work from the keyboard', async () => {
  const { page } = admin;
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  assert.ok(await skip.evaluate((el) => el === document.activeElement && getComputedStyle(el).outlineStyle !== 'none'),
    'the skip link comes first and shows its focus');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.id === 'main');

  const account = page.getByRole('button', { name: 'Account of admin' });
  await account.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Account of admin', expanded: true }).waitFor();
  await page.getByRole('link', { name: 'API tokens' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Account of admin', expanded: false }).waitFor();
  assert.ok(await account.evaluate((el) => el === document.activeElement), 'Escape gives focus back to the menu button');
});

let token;

test('an API token is made with scopes and an expiry, shown once, and works as a bearer token', async () => {
  const { page } = admin;
  await page.getByRole('button', { name: 'Account of admin' }).click();
  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.getByRole('heading', { name: 'API tokens', level: 1 }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(tokenName);
  await page.getByLabel('Expires in (days)').fill('7');
  await page.getByRole('checkbox', { name: 'iam.user.read', exact: true }).check();
  await page.getByLabel('Name', { exact: true }).press('Enter');

  const dialog = page.getByRole('dialog', { name: 'Your new token' });
  await dialog.waitFor();
  token = await dialog.getByLabel('Token', { exact: true }).inputValue();
  assert.match(token, /^ptc_/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  const row = page.getByRole('row').filter({ hasText: tokenName });
  assert.match(await row.textContent(), /iam\.user\.read.*active/);
  assert.ok(!(await page.content()).includes(token), 'once closed, the token is nowhere on the page');

  // What a script does: curl -H "Authorization: Bearer ptc_..." .../api/v1/iam/users
  const users = await fetch(`${base}/api/v1/iam/users?limit=1`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(users.status, 200);
  assert.equal((await users.json()).users.length, 1);
  const outside = await fetch(`${base}/api/v1/iam/teams`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(outside.status, 403, 'a token does only what its scopes allow');
  assert.match(outside.headers.get('content-type'), /^application\/problem\+json/);
});

test('revoking the token, after confirming, stops it at once', async () => {
  const { page } = admin;
  await page.getByRole('button', { name: `Revoke ${tokenName}` }).click();
  const confirm = page.getByRole('dialog', { name: `Revoke ${tokenName}?` });
  await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
  await confirm.waitFor({ state: 'detached' });
  await page.getByRole('row').filter({ hasText: tokenName }).filter({ hasText: 'revoked' }).waitFor();
  const res = await fetch(`${base}/api/v1/iam/users?limit=1`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 401);
});

test('the administrator creates a team, a user, a membership and a binding', async () => {
  const { page } = admin;
  await gotoAdmin(page, 'Teams');
  const newTeam = page.getByRole('region', { name: 'New team' });
  await newTeam.getByLabel('Name', { exact: true }).fill(team);
  await newTeam.getByLabel('Display name').fill('Quality');
  await newTeam.getByRole('button', { name: 'Create team' }).click();
  await newTeam.getByRole('status').filter({ hasText: `Created team ${team}.` }).waitFor();
  await page.getByRole('cell', { name: team, exact: true }).waitFor();

  await adminNav(page).getByRole('link', { name: 'Users' }).click();
  const newUser = page.getByRole('region', { name: 'New user' });
  await newUser.getByLabel('Username').fill(user);
  await newUser.getByLabel('Display name').fill('Dev Tester');
  await newUser.getByLabel('Password').fill(userPassword);
  await newUser.getByLabel('Password').press('Enter');
  await newUser.getByRole('status').filter({ hasText: `Created ${user}.` }).waitFor();
  await page.getByRole('button', { name: `Unlock logins of ${user}` }).click();
  await page.getByRole('status').filter({ hasText: `${user} was not locked out.` }).waitFor();

  await adminNav(page).getByRole('link', { name: 'Teams' }).click();
  const members = page.getByRole('region', { name: 'Members' });
  await members.getByLabel('Team').selectOption(team);
  await members.getByLabel('User').fill(user);
  await members.getByRole('button', { name: 'Add member' }).click();
  await members.getByRole('status').filter({ hasText: `${user} is now a member of ${team}.` }).waitFor();
  await page.getByRole('row').filter({ hasText: team }).filter({ hasText: /1$/ }).waitFor();
  const who = page.getByRole('region', { name: 'Who is in a team' });
  await who.getByLabel('Team').selectOption(team);
  await who.getByRole('cell', { name: user, exact: true }).waitFor();

  await adminNav(page).getByRole('link', { name: 'Bindings' }).click();
  const binding = page.getByRole('region', { name: 'New binding' });
  await binding.getByLabel('Role').selectOption('viewer');
  await binding.getByLabel('User', { exact: true }).fill(user);
  await binding.getByRole('button', { name: 'Bind role' }).click();
  await binding.getByRole('status').filter({ hasText: `${user} now holds viewer (global).` }).waitFor();
  await page.getByRole('row').filter({ hasText: `user ${user}` }).filter({ hasText: 'viewer' }).waitFor();
});

test('the API\'s refusal of a field is shown at that field', async () => {
  const { page } = admin;
  const binding = page.getByRole('region', { name: 'New binding' });
  const subject = binding.getByLabel('User', { exact: true });
  await subject.fill(`nobody-${stamp}`);
  await subject.press('Enter');
  await binding.getByText('Is not a user.').waitFor();
  assert.equal(await subject.getAttribute('aria-invalid'), 'true');
  await binding.getByRole('alert').filter({ hasText: 'Some values are not right — Check the marked field.' }).waitFor();
});

test('explain tells why a user may or may not do something', async () => {
  const { page } = admin;
  await adminNav(page).getByRole('link', { name: 'Explain' }).click();
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Permission').selectOption('iam.user.read');
  await page.getByRole('button', { name: 'Explain' }).click();
  await page.getByRole('heading', { name: `Allowed: ${user} holds iam.user.read` }).waitFor();
  assert.match(await page.getByRole('main').textContent(), /Role viewer, held directly, in scope global/);
  await screenshot(page, 'explain-answer');
  await page.getByLabel('Permission').selectOption('audit.event.read');
  await page.getByLabel('User', { exact: true }).press('Enter');
  await page.getByRole('heading', { name: `Not allowed: ${user} does not hold audit.event.read` }).waitFor();
});

test('a custom role and an attribute policy that uses it are created, then deleted', async () => {
  const { page } = admin;
  const role = `qa-role-${stamp}`;
  const policy = `qa-policy-${stamp}`;
  await adminNav(page).getByRole('link', { name: 'Roles' }).click();
  const newRole = page.getByRole('region', { name: 'New custom role' });
  await newRole.getByLabel('Name', { exact: true }).fill(role);
  await newRole.getByLabel('Description').fill('reads secrets of production');
  await newRole.getByRole('checkbox', { name: 'secrets.secret.read', exact: true }).check();
  await newRole.getByRole('button', { name: 'Create role' }).click();
  await newRole.getByRole('status').filter({ hasText: `Created role ${role}.` }).waitFor();
  await page.getByRole('listitem').filter({ hasText: role }).filter({ hasText: 'custom' }).waitFor();

  await adminNav(page).getByRole('link', { name: 'Policies' }).click();
  const newPolicy = page.getByRole('region', { name: 'New policy' });
  await newPolicy.getByLabel('Name', { exact: true }).fill(policy);
  await newPolicy.getByLabel('Permission').fill('secrets.*');
  await newPolicy.getByLabel('Environment').fill('production');
  await newPolicy.getByLabel('Required role').selectOption(role);
  await newPolicy.getByLabel('Name', { exact: true }).press('Enter');
  await newPolicy.getByRole('status').filter({ hasText: `Created policy ${policy}.` }).waitFor();
  const row = page.getByRole('row').filter({ hasText: policy });
  assert.match(await row.textContent(), /secrets\.\*.*environment = production.*role qa-role-/);

  await page.getByRole('button', { name: `Delete policy ${policy}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await row.waitFor({ state: 'detached' });
  await adminNav(page).getByRole('link', { name: 'Roles' }).click();
  await page.getByRole('button', { name: `Delete role ${role}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('listitem').filter({ hasText: role }).waitFor({ state: 'detached' });
});

test('the new user logs in on a narrow screen and meets only what the viewer role allows', async () => {
  viewer = await openPage(browser, { viewport: NARROW });
  const { page } = viewer;
  await logIn(page, user, userPassword);

  // On a phone the navigation hides behind the menu button.
  const menu = page.getByRole('button', { name: 'Menu' });
  await page.getByRole('button', { name: 'Menu', expanded: false }).waitFor();
  assert.equal(await mainNav(page).getByRole('link', { name: 'Catalog' }).isVisible(), false);
  await menu.click();
  await mainNav(page).getByRole('link', { name: 'Catalog' }).waitFor();
  await screenshot(page, 'navigation-open');
  assert.equal(await mainNav(page).getByRole('link', { name: 'Audit' }).count(), 0, 'viewers do not read the audit log');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Menu', expanded: false }).waitFor();

  // Admin pages are there to read, without the forms that change things.
  await menu.click();
  await mainNav(page).getByRole('link', { name: 'Admin' }).click();
  await adminNav(page).getByRole('link', { name: 'Users' }).click();
  assert.equal(await adminNav(page).getByRole('link', { name: 'Explain' }).count(), 0);
  await page.getByRole('cell', { name: user, exact: true }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'New user' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Disable/ }).count(), 0);

  // Secrets are there to read, without the forms that write or reveal them.
  await page.goto(`${base}/secrets`);
  await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
  await page.getByRole('navigation', { name: 'Secrets' }).getByRole('link', { name: 'Browse' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'New secret' }).count(), 0);

  // A page the role does not allow says so, readably.
  await page.goto(`${base}/audit`);
  const refusal = page.getByRole('alert');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /^Not allowed — You can't read the audit log[.:] /);
  assert.doesNotMatch(await refusal.textContent(), /audit\.event\.read/, 'no permission id');
  await screenshot(page, 'viewer-audit-refused');
  assert.deepEqual(viewer.problems, []);
});

test('when the session ends, the next request leads to the login page, and back to the page after it', async () => {
  const { context, page } = viewer;
  await context.clearCookies();
  await page.getByRole('button', { name: 'Menu' }).click();
  await mainNav(page).getByRole('link', { name: 'Admin' }).click();
  await adminNav(page).getByRole('link', { name: 'Teams' }).click();
  await page.getByText('Your session has ended. Log in again to continue.').waitFor();
  await page.getByLabel('Username or email').fill(user);
  await page.getByLabel('Password').fill(userPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('cell', { name: team, exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin/teams');
});

test('the audit log shows each step, filtered, and exports it', async () => {
  const { page } = admin;
  await mainNav(page).getByRole('link', { name: 'Audit' }).click();
  await page.getByLabel('Actor').fill('admin');
  await page.getByLabel('Actor').press('Enter');
  await page.waitForURL(/\/audit\?actor=admin/);
  const events = page.getByRole('region', { name: 'Audit events' });
  const row = (action, text) => events.getByRole('row').filter({ hasText: action }).filter({ hasText: text }).first();
  await row('auth.login', 'success').waitFor();
  await row('auth.token.create', tokenName).waitFor();
  await row('auth.token.revoke', 'token').waitFor();
  await row('iam.team.create', team).waitFor();
  await row('iam.user.create', user).waitFor();
  await row('iam.team.member.add', team).waitFor();
  await row('iam.binding.create', user).waitFor();

  await page.getByLabel('Actor').fill(user);
  await page.getByLabel('Actor').press('Enter');
  await row('auth.login', 'success').waitFor();
  await row('http.denied', '/api/v1/audit/events').waitFor();

  const csv = await page.request.get(base + await page.getByRole('link', { name: 'CSV' }).getAttribute('href'));
  assert.equal(csv.status(), 200);
  assert.match(await csv.text(), new RegExp(`"auth\\.login","user","\\d+","success"`));
  const jsonl = await page.request.get(base + await page.getByRole('link', { name: 'JSON Lines' }).getAttribute('href'));
  const lines = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.every((e) => e.actor_name === user));
});

test('screenshots of the main pages at 1280 and 390 px wide', async () => {
  const { page } = admin;
  const pages = {
    home: '/', catalog: '/catalog', secrets: '/secrets', tokens: '/account/tokens', users: '/admin/users', teams: '/admin/teams',
    roles: '/admin/roles', bindings: '/admin/bindings', policies: '/admin/policies', explain: '/admin/explain',
    audit: `/audit?actor=${user}`,
  };
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    for (const [name, path] of Object.entries(pages)) {
      await page.goto(base + path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      await screenshot(page, name);
    }
  }
  const out = await openPage(browser);
  for (const viewport of [WIDE, NARROW]) {
    await out.page.setViewportSize(viewport);
    await out.page.goto(`${base}/`);
    await out.page.getByRole('contentinfo').getByText(/^Ready/).waitFor();
    await screenshot(out.page, 'login');
  }
  assert.deepEqual(admin.problems, [], 'no console errors on any page the administrator saw');
});
