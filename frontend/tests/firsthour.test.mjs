// The README's "The first hour", step by step in Chromium (issue 13, point 12): the administrator
// logs in, makes a team and a person through the Admin pages, binds her as a developer of the
// team, imports a catalog file, and sees the example templates; she logs in, requests a MariaDB
// database from the example template, watches the runner make it, and reveals its password; a
// developer of the same team is told in words that he may not, a maintainer of the team may, and
// a developer of another team may not see the resource at all. When a step of the README changes,
// this file changes with it. Names carry a stamp (the README's `payments` is `payments-<stamp>`),
// so the walk runs again on the same database. Screenshots at 1280 and 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, adminNav, adminPassword, apiChange, base, launch, logIn, mainNav, openPage, screenshot, screenshots } from './browser.mjs';
import { makePerson, makeTeam, passwordOf } from './people.mjs';

const stamp = `f${Date.now().toString(36)}`;
const team = `payments-${stamp}`;
const alice = `alice-${stamp}`;
const alicePassword = `alice-${stamp}-password`;
const teammate = `bob-${stamp}`;      // a developer of the team who did not ask for the database
const maintainer = `mia-${stamp}`;    // a maintainer of the team
const outsider = `olly-${stamp}`;     // a developer of another team
const service = `payments-api-${stamp}`;
const database = `orders_${stamp}`;
const RUNNER_WAIT = 90000;

let browser;
let admin;
let resourcePath;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
});
after(async () => { await browser?.close(); });

const outputsOf = (page) => page.locator('section[aria-labelledby="resource-outputs-h"]');

test('1. the administrator logs in; Home shows its sections, each saying how to fill it when empty', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: /^Welcome/, level: 1 }).waitFor();
  for (const section of ['My services', 'My resources', 'Waiting for my approval', 'Unread notifications', 'Recent activity on my things']) {
    await page.getByRole('heading', { name: section, level: 2 }).waitFor();
  }
  await screenshots(page, 'firsthour-1-home');
});

test('2. Admin → Teams makes the team, which is also a Group in the catalog', async () => {
  const { page } = admin;
  await mainNav(page).getByRole('link', { name: 'Admin' }).click();
  await adminNav(page).getByRole('link', { name: 'Teams' }).click();
  const form = page.getByRole('region', { name: 'New team' });
  await form.getByLabel('Name', { exact: true }).fill(team);
  await form.getByLabel('Display name').fill('Payments');
  await form.getByRole('button', { name: 'Create team' }).click();
  await form.getByRole('status').filter({ hasText: `Created team ${team}.` }).waitFor();
  await page.getByRole('link', { name: team, exact: true }).click();
  await page.getByRole('heading', { name: `Payments (${team})`, level: 1 }).waitFor();
  await page.getByRole('link', { name: `group:default/${team}` }).waitFor();
  await page.getByText('kept in step by Portico').waitFor();
});

test('3. Admin → Users makes alice; the team page adds her as a member, which lets her read the catalog', async () => {
  const { page } = admin;
  await adminNav(page).getByRole('link', { name: 'Users' }).click();
  const form = page.getByRole('region', { name: 'New user' });
  await form.getByLabel('Username').fill(alice);
  await form.getByLabel('Password').fill(alicePassword);
  await form.getByRole('button', { name: 'Create user' }).click();
  await form.getByRole('status').filter({ hasText: `Created ${alice}.` }).waitFor();

  await adminNav(page).getByRole('link', { name: 'Teams' }).click();
  await page.getByRole('link', { name: team, exact: true }).click();
  const members = page.getByRole('region', { name: 'Members', exact: true });
  await members.getByText(`${team} has no members of its own.`).waitFor();
  await members.getByLabel('User').fill(alice);
  await members.getByRole('button', { name: 'Add member' }).click();
  await members.getByRole('status').filter({ hasText: `${alice} is now a member of ${team}.` }).waitFor();
  await members.getByRole('link', { name: alice, exact: true }).waitFor();
  await screenshots(page, 'firsthour-3-team');

  // the built-in binding every team member has, and nothing more
  await page.goto(`${base}/admin/bindings`);
  await page.getByRole('row').filter({ hasText: 'every member of any team' }).filter({ hasText: 'catalog-reader' }).waitFor();
  const explained = await page.request.get(`${base}/api/v1/iam/explain?user=${alice}&permission=catalog.entity.read`);
  assert.equal(explained.status(), 200, await explained.text());
  assert.equal((await explained.json()).allowed, true, 'a member reads the catalog');
  const secrets = await page.request.get(`${base}/api/v1/iam/explain?user=${alice}&permission=secrets.secret.read&team=${team}`);
  assert.equal((await secrets.json()).allowed, false, 'membership alone gives no more than catalog reads');
});

test('4. Admin → Bindings makes alice a developer of the team', async () => {
  const { page } = admin;
  await adminNav(page).getByRole('link', { name: 'Bindings' }).click();
  const form = page.getByRole('region', { name: 'New binding' });
  await form.getByLabel('Subject type').selectOption('user');
  await form.getByLabel('User', { exact: true }).fill(alice);
  await form.getByLabel('Role').selectOption('developer');
  await form.getByLabel('Scope', { exact: true }).selectOption('team');
  await form.getByLabel('Team in scope').selectOption(team);
  await form.getByRole('button', { name: 'Bind role' }).click();
  await form.getByRole('status').filter({ hasText: `${alice} now holds developer (team ${team}).` }).waitFor();
  await page.getByRole('row').filter({ hasText: `user ${alice}` }).filter({ hasText: 'developer' }).waitFor();
  await screenshots(page, 'firsthour-4-binding');

  // the rest of step 8's cast, through the API: a teammate, a maintainer, someone of another team
  await makePerson(page, teammate, { role: 'developer', team, member: true });
  await makePerson(page, maintainer, { role: 'maintainer', team, member: true });
  await makeTeam(page, `elsewhere-${stamp}`);
  await makePerson(page, outsider, { role: 'developer', team: `elsewhere-${stamp}`, member: true });
});

test('5. Catalog → Import previews the catalog-info.yaml, then applies it', async () => {
  const { page } = admin;
  await mainNav(page).getByRole('link', { name: 'Catalog' }).click();
  await page.getByRole('navigation', { name: 'Catalog' }).getByRole('link', { name: 'Import' }).click();
  await page.getByRole('heading', { name: 'Import entities', level: 1 }).waitFor();
  await page.getByLabel('catalog-info.yaml').fill(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${service}
  description: Takes payments
spec:
  type: service
  lifecycle: production
  owner: ${team}
`);
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: 'Preview', exact: true });
  await preview.getByRole('status').filter({ hasText: 'Applying this would add 1, change 0 and remove 0 entity; 0 would stay as they are. Nothing has changed yet.' }).waitFor();
  await preview.getByText(`component:${service}`, { exact: true }).waitFor();
  await screenshots(page, 'firsthour-5-preview');
  await page.getByRole('button', { name: 'Apply' }).click();
  const imported = page.getByRole('region', { name: 'Imported', exact: true });
  await imported.getByRole('status').filter({ hasText: 'Imported: 1 added, 0 changed, 0 removed, 0 unchanged.' }).waitFor();
  await imported.getByRole('link', { name: `component:${service}` }).click();
  await page.getByRole('heading', { name: service, level: 1 }).waitFor();
  await page.getByText('Takes payments', { exact: true }).waitFor();
  await page.getByRole('link', { name: team, exact: true }).first().waitFor();   // its owner, the Group of the team
});

test('6. Templates lists the example templates of the team platform', async () => {
  const { page } = admin;
  // ./dev.sh up installs them; on a test stack they may not be there yet (installing twice keeps them)
  const installed = await apiChange(page, 'POST', '/templates/examples');
  assert.ok([200, 201].includes(installed.status()), await installed.text());
  await mainNav(page).getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
  for (const title of ['MariaDB database', 'Git repository', 'API token', 'Register with a service (webhook)', 'Policy trial (provisions nothing)']) {
    const card = page.locator('.template-card').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
    assert.match(await card.textContent(), /Owner: team platform/);
  }
  assert.deepEqual(admin.problems, []);
});

test('7. alice requests a MariaDB database; the runner makes it and its page lists the outputs', async () => {
  const { page } = admin;
  await page.getByRole('button', { name: 'Account of admin' }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('Username or email').waitFor();
  await logIn(page, alice, alicePassword);

  await mainNav(page).getByRole('link', { name: 'Templates' }).click();
  const card = page.locator('.template-card').filter({ has: page.getByRole('heading', { name: 'MariaDB database', exact: true }) });
  await card.getByRole('link', { name: 'Request mariadb-database' }).click();
  await page.getByRole('heading', { name: 'Request MariaDB database', level: 1 }).waitFor();
  await page.getByLabel('Database name').fill(database);
  await page.getByLabel('Environment').selectOption('dev');
  await page.getByLabel('Team', { exact: true }).selectOption(team);
  await screenshots(page, 'firsthour-7-request');
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.waitForURL(/\/resources\/\d+$/);
  resourcePath = new URL(page.url()).pathname;
  await page.getByRole('heading', { name: `${database} · mariadb-database · dev`, level: 1 }).waitFor();
  await page.waitForFunction(() => document.querySelector('.resource-state .pstate')?.textContent === 'ready', null, { timeout: RUNNER_WAIT });
  const outputs = outputsOf(page);
  assert.deepEqual(await outputs.locator('dt code').allTextContents(), ['host', 'port', 'database', 'user', 'password']);
  assert.match(await outputs.textContent(), new RegExp(database));
  await outputs.getByRole('link', { name: new RegExp(`^team/${team}/dev/`) }).waitFor();
  await screenshots(page, 'firsthour-7-resource');
  assert.deepEqual(admin.problems, []);
});

/** Reveal the password on the resource's page (as who is logged in): the value shown. */
async function reveal(page) {
  await outputsOf(page).getByRole('button', { name: 'Reveal password' }).click();
  await page.getByRole('dialog', { name: 'Reveal password?' }).getByRole('button', { name: 'Reveal', exact: true }).click();
  const value = await page.getByRole('region', { name: 'Value of password' }).textContent();
  assert.ok(value.length >= 16, `a generated password, not "${value}"`);
  return value;
}

test('8. alice reveals the password, as the maintainer may; her teammate and another team may not', async () => {
  const shown = await reveal(admin.page);
  await screenshots(admin.page, 'firsthour-8-reveal');

  // the password lives in the secrets store, as a secret the resource manages
  await outputsOf(admin.page).getByRole('link', { name: new RegExp(`^team/${team}/dev/`) }).click();
  assert.match(await admin.page.locator('.managed-note').textContent(), /This secret is managed by resource/);

  const mate = await openPage(browser, { viewport: NARROW });
  await logIn(mate.page, teammate, passwordOf(teammate), resourcePath);
  const outputs = outputsOf(mate.page);
  await outputs.getByText(`You can't reveal it: only ${alice}, who requested it, the maintainers of team ${team} and administrators can.`).waitFor();
  assert.equal(await outputs.getByRole('button', { name: /^Reveal/ }).count(), 0);
  await screenshot(mate.page, 'firsthour-8-teammate');
  assert.deepEqual(mate.problems, []);
  await mate.context.close();

  const lead = await openPage(browser);
  await logIn(lead.page, maintainer, passwordOf(maintainer), resourcePath);
  assert.equal(await reveal(lead.page), shown, 'the maintainer sees the same password');
  assert.deepEqual(lead.problems, []);
  await lead.context.close();

  const other = await openPage(browser);
  await logIn(other.page, outsider, passwordOf(outsider), resourcePath);
  const refusal = other.page.getByRole('main');
  await refusal.getByText(new RegExp(`You can't read team ${team}'s resources`)).waitFor();
  assert.doesNotMatch(await refusal.textContent(), new RegExp(database), 'nothing of the resource shows');
  await screenshot(other.page, 'firsthour-8-other-team');
  assert.deepEqual(other.problems, []);
  await other.context.close();
});
