// Browser tests of how a resource is named and what its page says (issue 13, point 2): a
// resource is named by what it is ("orders_dev · <template> · dev", from the parameter the
// template marks names-resource) in its page's heading and title, in My resources, in My
// requests and in the notifications; once deprovisioned, its page says so and no more "is
// queued" or "expires in"; its history names the requester for the request and the approver for
// the approval. Screenshots at 1280 and 390 px. Names carry a stamp, so the story runs again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, adminPassword, apiChange, base, launch, logIn, makeTeamAndJoin, openPage, screenshots } from './browser.mjs';

const stamp = `n${Date.now().toString(36)}`;
const team = `names-${stamp}`;
const template = `named-${stamp}`;
const maintainer = `appr-${stamp}`;
const password = `pw-${stamp}-long-enough`;
const RUNNER_WAIT = 90000;
const devName = `orders_dev · ${template} · dev`;
const prodName = `orders_prod · ${template} · prod`;

// The naming parameter is not the first one, so the attribute (not the order) names it.
const XML = `<?xml version="1.0"?>
<template xmlns="urn:portico:template:1" name="${template}" version="1.0.0">
  <title>Named ${stamp}</title>
  <owner team="${team}"/>
  <parameters>
    <parameter name="size" type="enum" required="true" default="small"><choice>small</choice><choice>large</choice></parameter>
    <parameter name="database" type="string" required="true" pattern="[a-z][a-z0-9_]{2,30}" names-resource="true">
      <label>Database name</label>
    </parameter>
  </parameters>
  <policy>
    <environments><environment>dev</environment><environment>prod</environment></environments>
    <approvals environment="prod" count="1" role="maintainer"/>
    <ttl default-days="90" max-days="365"/>
  </policy>
  <steps><step name="make" driver="noop"><arg name="message">making {{database}}</arg></step></steps>
  <deprovision><step name="unmake" driver="noop"><arg name="message">removing {{database}}</arg></step></deprovision>
</template>
`;

let browser;
let admin;
let resourceUrl;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
});
after(async () => { await browser?.close(); });

const history = (page) => page.getByRole('region', { name: 'History of the resource' });
const overview = (page) => page.locator('section[aria-labelledby="resource-overview-h"]');

test('the administrator publishes a template whose database parameter names what it makes', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  await makeTeamAndJoin(page, team, 'Names team');
  const made = await apiChange(page, 'POST', '/iam/users', { username: maintainer, display_name: 'Approver', kind: 'human', password });
  assert.equal(made.status(), 201, await made.text());
  const bound = await apiChange(page, 'POST', '/iam/bindings', { subject_type: 'user', subject: maintainer, role: 'maintainer', scope_type: 'team', scope_id: team });
  assert.equal(bound.status(), 201, await bound.text());
  const created = await apiChange(page, 'POST', '/templates', XML, 'application/xml');
  assert.equal(created.status(), 201, await created.text());
  const published = await apiChange(page, 'POST', `/templates/${template}/versions/1.0.0/publish`, '', 'application/json');
  assert.equal(published.status(), 200, await published.text());
});

test('a resource is named by what it is: its heading, the title, My resources and the notifications', async () => {
  const { page } = admin;
  await page.goto(`${base}/templates/${template}/request?version=1.0.0`);
  await page.getByLabel('Database name').fill('orders_dev');
  await page.getByLabel('Team', { exact: true }).selectOption(team);
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.waitForURL(/\/resources\/\d+$/);
  resourceUrl = page.url();
  await page.getByRole('heading', { name: devName, level: 1 }).waitFor();
  assert.equal(await page.title(), `${devName} · Portico`);
  await page.waitForFunction(() => document.querySelector('.resource-state .pstate')?.textContent === 'ready', null, { timeout: RUNNER_WAIT });
  assert.match(await overview(page).textContent(), /Expires.*\(in (3 months|90 days|89 days)\)/);
  const requested = history(page).locator('tbody tr').filter({ hasText: 'requested' });
  assert.match(await requested.textContent(), /adminrequested/);

  await page.getByRole('navigation', { name: 'Resources' }).getByRole('link', { name: 'My resources' }).click();
  const row = page.getByRole('region', { name: 'My resources' }).locator('tbody tr').filter({ hasText: devName });
  await row.getByRole('link', { name: devName }).waitFor();
  await screenshots(page, 'resources-named');

  await page.getByRole('navigation', { name: 'Resources' }).getByRole('link', { name: /^Notifications/ }).click();
  await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
  await page.getByRole('link', { name: `${devName} (team ${team}) is ready` }).waitFor();
});

test('once deprovisioned, the page says so: no "is queued", no expiry', async () => {
  const { page } = admin;
  await page.goto(resourceUrl);
  await page.getByRole('heading', { name: devName, level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Delete this resource' }).click();
  await page.getByRole('dialog', { name: `Delete ${devName}?` }).getByRole('button', { name: 'Delete', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('.resource-state .pstate')?.textContent === 'deprovisioned', null, { timeout: RUNNER_WAIT });
  await page.getByText(/^Deprovisioned: what was made is gone/).waitFor();
  assert.equal(await page.getByText(/Deprovisioning is queued/).count(), 0, 'no queued message once it is done');
  assert.equal(await overview(page).getByText('Expires', { exact: true }).count(), 0, 'no expiry once deprovisioned');
  assert.doesNotMatch(await overview(page).textContent(), /Expires|in \d+ (days|months)/);
  assert.match(await overview(page).textContent(), /Removed\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d/);
  await screenshots(page, 'resource-deprovisioned-named');
});

test('history names the requester for the request and the approver for the approval', async () => {
  const { page } = admin;
  await page.goto(`${base}/templates/${template}/request?version=1.0.0`);
  await page.getByLabel('Database name').fill('orders_prod');
  await page.getByLabel('Environment').selectOption('prod');
  await page.getByLabel('Team', { exact: true }).selectOption(team);
  await page.getByRole('button', { name: 'Send the request' }).click();
  const waiting = page.getByRole('status').filter({ hasText: /Request \d+ is waiting for approval\./ });
  await waiting.waitFor();
  const id = /Request (\d+) is waiting/.exec(await waiting.textContent())[1];

  const approver = await openPage(browser, { viewport: NARROW });
  // Home shows the approver what waits for them, by name, with who asked
  await logIn(approver.page, maintainer, password, '/');
  const waitingHome = approver.page.getByRole('region', { name: 'Waiting for my approval' });
  const item = waitingHome.locator('li').filter({ has: approver.page.getByRole('link', { name: prodName, exact: true }) });
  await item.waitFor();
  assert.match(await item.textContent(), new RegExp(`admin wants ${template}@1\\.0\\.0 in prod`));
  assert.equal(await waitingHome.getByText(/Nothing is waiting/).count(), 0);
  await screenshots(approver.page, 'home-waiting-for-approval');
  await approver.page.goto(`${base}/resources/approvals`);
  const row = approver.page.getByRole('region', { name: 'Requests waiting for approval' }).locator('tbody tr').filter({ hasText: prodName });
  await row.getByRole('button', { name: `Approve request ${id}` }).click();
  const dialog = approver.page.getByRole('dialog', { name: `Approve request ${id}?` });
  assert.match(await dialog.textContent(), new RegExp(prodName));
  await dialog.getByLabel('Comment (optional)').fill('looks right');
  await dialog.getByRole('button', { name: 'Approve' }).click();
  await approver.page.getByRole('status').filter({ hasText: `Request ${id} is approved` }).waitFor();
  assert.deepEqual(approver.problems, []);
  await approver.context.close();

  await page.goto(`${base}/resources/requests/${id}`);
  await page.getByRole('heading', { name: prodName, level: 1 }).waitFor();
  await page.locator('.notice').getByRole('link', { name: /^resource \d+$/ }).click();
  await page.getByRole('heading', { name: prodName, level: 1 }).waitFor();
  const rows = history(page).locator('tbody tr');
  assert.match(await rows.filter({ hasText: 'requested' }).textContent(), /adminrequestedrequest \d+/);
  assert.match(await rows.filter({ hasText: 'approved' }).textContent(), new RegExp(`${maintainer}approvedlooks right`));
  await screenshots(page, 'resource-history-names');
  assert.deepEqual(admin.problems, []);
});

test("the team's page and the requester's page name resources by what they are, expiry only while they live", async () => {
  const { page } = admin;
  const me = await (await page.request.get(`${base}/api/v1/auth/session`)).json();
  // the approved one is made by the runner: wait until it is ready
  for (const until = Date.now() + RUNNER_WAIT; ;) {
    const list = await (await page.request.get(`${base}/api/v1/provision/resources?q=orders_prod&limit=5`)).json();
    if (list.resources?.some((r) => r.name === prodName && r.state === 'ready')) break;
    assert.ok(Date.now() < until, `${prodName} is ready within ${RUNNER_WAIT} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  for (const path of [`/admin/teams/${team}`, `/admin/users/${me.user.id}`]) {
    await page.goto(`${base}${path}`);
    const line = page.locator('li').filter({ has: page.getByRole('link', { name: prodName, exact: true }) });
    await line.waitFor();
    assert.match(await line.textContent(), /ready/);
    assert.match(await line.textContent(), /expires .*\(in (3 months|90 days|89 days)\)/);
    // the deprovisioned one is gone from both lists, and no line is named "<template> · <env>" alone
    assert.equal(await page.getByRole('link', { name: devName, exact: true }).count(), 0, `${path}: no deprovisioned resource`);
    assert.equal(await page.getByRole('link', { name: `${template} · prod`, exact: true }).count(), 0);
  }
  await screenshots(page, 'user-page-resources-named');
  assert.deepEqual(admin.problems, []);
});
