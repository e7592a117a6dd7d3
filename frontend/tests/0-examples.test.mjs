// Browser tests of the example templates and of publishing (issue 13, point 10), on a stack
// whose gallery is empty: dev.sh test's, where this file runs first (its name sorts first, and
// package.json runs the files one at a time), before any other publishes a template. A developer meets the empty gallery and is told who
// installs the examples; the administrator is offered to install them, does, and the gallery
// lists them; a new draft of one is published only after confirming (cancelling sends nothing).
// Screenshots at 1280 and 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, adminPassword, apiChange, base, launch, logIn, mainNav, openPage, screenshot, screenshots } from './browser.mjs';

const stamp = `e${Date.now().toString(36)}`;
const developer = `dev-${stamp}`;
const password = `pw-${stamp}-long-enough`;
const TITLES = ['API token', 'Git repository', 'MariaDB database', 'Policy trial (provisions nothing)', 'Register with a service (webhook)'];

let browser;
let admin;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
});
after(async () => { await browser?.close(); });

test('a developer meets the empty gallery and is told who installs the example templates', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  const made = await apiChange(page, 'POST', '/iam/users', { username: developer, display_name: 'Developer', kind: 'human', password });
  assert.equal(made.status(), 201, await made.text());
  const bound = await apiChange(page, 'POST', '/iam/bindings', { subject_type: 'user', subject: developer, role: 'developer', scope_type: 'global', scope_id: '' });
  assert.equal(bound.status(), 201, await bound.text());

  const dev = await openPage(browser, { viewport: NARROW });
  await logIn(dev.page, developer, password, '/templates');
  await dev.page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
  await dev.page.getByText('There is no published template yet.').waitFor();
  await dev.page.getByText(/installed by a maintainer of the team platform or an administrator/).waitFor();
  assert.equal(await dev.page.getByRole('button', { name: 'Install the example templates' }).count(), 0);
  await screenshot(dev.page, 'templates-empty-developer');
  assert.deepEqual(dev.problems, []);
  await dev.context.close();
});

test('the empty gallery offers the administrator the example templates; once installed, the gallery lists them', async () => {
  const { page } = admin;
  await mainNav(page).getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
  const offer = page.locator('.empty-gallery');
  await offer.getByText('There is no published template yet.').waitFor();
  assert.match(await offer.textContent(), /Portico ships example templates .* for the team platform/);
  await screenshots(page, 'templates-empty');
  await offer.getByRole('button', { name: 'Install the example templates' }).click();
  await page.getByRole('status').filter({ hasText: 'Installed 5 example templates for the team platform' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Showing 5 templates.' }).waitFor();
  const titles = await page.locator('.template-card h3').allTextContents();
  assert.deepEqual([...titles].sort(), TITLES);
  for (const card of await page.locator('.template-card').all()) assert.match(await card.textContent(), /Owner: team platform/);
  await screenshots(page, 'templates-examples');
});

test('a new draft is published only after confirming; cancelling sends nothing', async () => {
  const { page } = admin;
  const v = await (await page.request.get(`${base}/api/v1/templates/policy-trial/versions/1.0.0`)).json();
  const draft = await apiChange(page, 'POST', '/templates', v.xml.replace('version="1.0.0"', 'version="1.0.1"'), 'application/xml');
  assert.equal(draft.status(), 201, await draft.text());
  await page.goto(`${base}/templates/policy-trial?version=1.0.1`);
  await page.getByRole('heading', { name: /^Version 1\.0\.1\s*draft$/ }).waitFor();
  let sent = 0;
  const count = (r) => { if (r.method() === 'POST' && r.url().endsWith('/publish')) sent += 1; };
  page.on('request', count);
  await page.getByRole('button', { name: 'Publish 1.0.1' }).click();
  const ask = page.getByRole('dialog', { name: 'Publish policy-trial 1.0.1?' });
  assert.match(await ask.textContent(), /never changes.*team platform.*The scan runs first/s);
  await screenshots(page, 'template-publish-confirm');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'detached' });
  assert.equal(sent, 0, 'cancelling publishes nothing');
  await page.getByRole('button', { name: 'Publish 1.0.1' }).click();
  await ask.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Version 1.0.1 is published: it can be requested now.' }).waitFor();
  assert.equal(sent, 1);
  page.off('request', count);
  await page.getByRole('heading', { name: /^Version 1\.0\.1\s*published$/ }).waitFor();
  assert.deepEqual(admin.problems, []);
});
