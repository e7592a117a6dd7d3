// Browser tests of templates and resources, as a story told in order: the administrator makes a
// team through the API and joins it, uploads and publishes a template of the team through the
// API (a noop step saying "hello {{name}}"; environments dev and prod, approvals for prod only,
// 7 days by default and 30 at most), finds it in the gallery by searching, reads its page, opens
// its request form, meets a client-side field error for a name that does not match the pattern
// (nothing is sent), and requests it in dev with a good name; the resource's page follows the
// job's log until it says "hello <name>" and the resource is ready (the stack's runner, in
// --loop mode, does the work), renews it, deletes it and sees it deprovisioned. A request in
// prod waits for an approval the requester cannot give, and is cancelled; another is approved
// by a maintainer of the team from the inbox on a phone, after a rejection without a reason is
// refused. Before that, a new draft on the template page: malformed XML at its line, a publish
// the scan refuses (a webhook over http) with its findings, and the two versions compared. Pages
// are screenshot at 1280 and 390 px. Names carry a stamp, so the story runs again on the same
// database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, adminPassword, apiChange, base, launch, logIn, mainNav, makeTeamAndJoin, openPage, screenshot, screenshots } from './browser.mjs';

const stamp = `p${Date.now().toString(36)}`;
const team = `prov-${stamp}`;
const template = `hello-${stamp}`;
const goodName = `n${stamp}`;
const RUNNER_WAIT = 90000;   /* the runner claims jobs in its loop; give it time on a busy machine */
const resourceName = `${goodName} · ${template} · dev`;   /* named by its first required string parameter */

const XML = `<?xml version="1.0"?>
<template xmlns="urn:portico:template:1" name="${template}" version="1.0.0">
  <title>Hello ${stamp}</title>
  <description>Says hello to a name, and nothing else: for trying templates.</description>
  <owner team="${team}"/>
  <tags><tag>example</tag><tag>noop</tag></tags>
  <parameters>
    <parameter name="name" type="string" required="true" pattern="[a-z][a-z0-9-]{2,20}">
      <label>Name</label><help>Lower-case letters, digits and -, starting with a letter.</help>
    </parameter>
  </parameters>
  <policy>
    <environments><environment>dev</environment><environment>prod</environment></environments>
    <approvals environment="prod" count="1" role="maintainer"/>
    <ttl default-days="7" max-days="30"/>
  </policy>
  <steps>
    <step name="hello" driver="noop"><arg name="message">hello {{name}}</arg></step>
  </steps>
  <outputs><output name="uid" from="hello.uid" secret="true"/></outputs>
  <deprovision>
    <step name="goodbye" driver="noop"><arg name="message">goodbye {{name}}</arg></step>
  </deprovision>
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

const resourcesNav = (page) => page.getByRole('navigation', { name: 'Resources' });

test('the administrator makes a team, joins it, and publishes a template of the team through the API', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  await makeTeamAndJoin(page, team, 'Provisioning team');
  const created = await apiChange(page, 'POST', '/templates', XML, 'application/xml');
  assert.equal(created.status(), 201, await created.text());
  const draft = await created.json();
  assert.equal(draft.state, 'draft');
  const published = await apiChange(page, 'POST', `/templates/${template}/versions/1.0.0/publish`, '', 'application/json');
  assert.equal(published.status(), 200, await published.text());
  assert.equal((await published.json()).state, 'published');
  await page.reload();
  await mainNav(page).getByRole('link', { name: 'Templates' }).waitFor();
  await mainNav(page).getByRole('link', { name: 'Resources' }).waitFor();
});

test('the gallery finds the template by its words, and its page shows the version, policy and scan', async () => {
  const { page } = admin;
  await mainNav(page).getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
  assert.equal(await mainNav(page).getByRole('link', { name: 'Templates' }).getAttribute('aria-current'), 'page');
  const search = page.getByRole('search', { name: 'Search the templates' });
  await search.getByLabel('Search').fill(`hello ${stamp}`);
  await search.getByLabel('Search').press('Enter');
  await page.waitForURL(`${base}/templates?q=${encodeURIComponent(`hello ${stamp}`).replaceAll('%20', '+')}`);
  const card = page.locator('.template-card').filter({ hasText: template });
  await card.getByRole('link', { name: `Hello ${stamp}` }).waitFor();
  // the list of the search, not the whole gallery shown before it
  await page.getByRole('status').filter({ hasText: 'Showing 1 template.' }).waitFor();
  assert.equal(await page.locator('.template-card').count(), 1, 'the words match this template only');
  assert.match(await card.textContent(), new RegExp(`${template}.*version 1\\.0\\.0.*Says hello.*Owner: team ${team}.*1 version`));
  await card.getByRole('link', { name: 'example' }).waitFor();
  await screenshots(page, 'templates-gallery');

  await card.getByRole('link', { name: `Hello ${stamp}` }).click();
  await page.getByRole('heading', { name: `Hello ${stamp}`, level: 1 }).waitFor();
  const versions = page.getByRole('region', { name: 'Versions of the template' });
  assert.match(await versions.locator('tbody tr').first().textContent(), /^1\.0\.0published/);
  await page.getByRole('heading', { name: /^Version 1\.0\.0/ }).waitFor();
  await page.getByText('Passed: nothing found.').waitFor();
  await page.getByText('prod: 1 approval by a maintainer').waitFor();
  await page.getByText('7 days by default, at most 30').waitFor();
  assert.match(await page.getByRole('region', { name: 'Steps', exact: true }).textContent(), /hellonoop.*message = hello \{\{name\}\}/);
  await screenshots(page, 'template');
});

test('a new draft on the template page: malformed XML shown at its line, a publish the scan refuses lists its findings, versions compared', async () => {
  const { page } = admin;
  const xml = page.getByLabel('Template XML');
  await xml.fill(XML.replace('</title>', ''));
  await page.getByRole('button', { name: 'Upload the draft' }).click();
  await page.getByText(/The text is not well-formed XML: XML line \d+, column \d+/).waitFor();
  assert.equal(await xml.getAttribute('aria-invalid'), 'true');
  await page.getByRole('button', { name: /^Go to line \d+$/ }).click();
  assert.ok(await xml.evaluate((el) => el === document.activeElement), 'focus goes to the text, at the line');

  // 1.1.0 adds a webhook over plain http: the scan refuses it
  const v2 = XML.replace('version="1.0.0"', 'version="1.1.0"')
    .replace('</steps>', '  <step name="tell" driver="webhook"><arg name="url">http://hooks.example.com/hello</arg></step>\n  </steps>');
  await xml.fill(v2);
  await page.getByRole('button', { name: 'Upload the draft' }).click();
  await page.waitForURL(`${base}/templates/${template}?version=1.1.0`);
  await page.getByRole('heading', { name: /^Version 1\.1\.0\s*draft$/ }).waitFor();
  await page.getByRole('status').filter({ hasText: `Uploaded ${template} 1.1.0 as a draft` }).waitFor();
  await page.getByText(/^Failed: 1 finding\./).waitFor();
  await page.getByRole('button', { name: 'Publish 1.1.0' }).click();
  const ask = page.getByRole('dialog', { name: `Publish ${template} 1.1.0?` });
  assert.match(await ask.textContent(), /never changes.*The scan runs first/s);
  await ask.getByRole('button', { name: 'Publish', exact: true }).click();
  const refused = page.getByRole('alert').filter({ hasText: 'webhook-not-https' });
  await refused.waitFor();
  assert.match(await refused.textContent(), /The scan found what must change before 1\.1\.0 can be published/);
  await screenshots(page, 'template-publish-refused');

  const compare = page.locator('section[aria-labelledby="template-diff-h"]');
  await compare.getByLabel('From').selectOption('1.0.0');
  await compare.getByLabel('To').selectOption('1.1.0');
  await compare.getByRole('button', { name: 'Compare' }).click();
  const diff = page.getByRole('region', { name: 'Diff of the XML from 1.0.0 to 1.1.0' });
  await diff.waitFor();
  assert.ok(await diff.locator('.diff-line.add').filter({ hasText: 'driver="webhook"' }).count() >= 1, 'the new step is an added line');
  assert.ok(await diff.locator('.diff-line.del').filter({ hasText: 'version="1.0.0"' }).count() >= 1, 'the old version is a removed line');
  assert.match(await compare.locator('.diff-list').filter({ hasText: 'Steps' }).textContent(), /added: tell/);
  await screenshots(page, 'template-diff');

  await page.getByRole('link', { name: '1.0.0', exact: true }).click();
  await page.getByRole('heading', { name: /^Version 1\.0\.0\s*published$/ }).waitFor();
});

test('the request form refuses a name that does not match, before sending anything', async () => {
  const { page } = admin;
  await page.getByRole('link', { name: `Request ${template} 1.0.0` }).click();
  await page.getByRole('heading', { name: `Request Hello ${stamp}`, level: 1 }).waitFor();
  let sent = 0;
  const count = (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/provision/requests')) sent += 1; };
  page.on('request', count);

  const name = page.getByLabel('Name', { exact: true });
  await name.fill('Not A Name');
  assert.equal(await page.getByLabel('Environment').inputValue(), 'dev');
  await page.getByLabel('Team', { exact: true }).selectOption(team);
  assert.equal(await page.getByLabel('Lifetime (days)').inputValue(), '7');
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.getByText('Must be in the form the template asks for: Lower-case letters, digits and -, starting with a letter.').waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-invalid') === 'true');
  await page.getByRole('alert').filter({ hasText: 'Some values are not right' }).waitFor();

  // past the template's maximum lifetime: refused at its field too
  await name.fill(goodName);
  await page.getByLabel('Lifetime (days)').fill('31');
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.getByText('Must be from 1 to 30 days.').waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), null);
  assert.equal(sent, 0, 'nothing was sent');
  await screenshots(page, 'request-form');
  page.off('request', count);
});

test('a good request in dev is approved at once and the resource page follows its job until ready', async () => {
  const { page } = admin;
  await page.getByLabel('Lifetime (days)').fill('7');
  const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/provision/requests'));
  await page.getByRole('button', { name: 'Send the request' }).click();
  assert.match((await sent).headers()['idempotency-key'] ?? '', /^[0-9a-f]{32}$/, 'the request carries an Idempotency-Key');
  await page.waitForURL(/\/resources\/\d+$/);
  resourceUrl = page.url();
  await page.getByRole('heading', { name: resourceName, level: 1 }).waitFor();
  await page.getByRole('status').filter({ hasText: /is approved: provisioning of .* has started\./ }).waitFor();
  const log = page.getByRole('log');
  await log.getByText(`hello ${goodName}`).waitFor({ timeout: RUNNER_WAIT });
  const state = page.locator('.resource-state .pstate');
  await page.waitForFunction(() => document.querySelector('.resource-state .pstate')?.textContent === 'ready', null, { timeout: RUNNER_WAIT });
  assert.equal(await state.textContent(), 'ready');
  await page.getByRole('status').filter({ hasText: /has finished/ }).waitFor();
  const overview = page.getByRole('region', { name: 'Jobs of the resource' });
  assert.match(await overview.textContent(), /provision/);
  assert.match(await page.locator('section[aria-labelledby="resource-parameters-h"]').textContent(), new RegExp(`name${goodName}`));
  assert.match(await page.locator('section[aria-labelledby="resource-overview-h"]').textContent(),
    new RegExp(`Environmentdev.*OwnerTeam ${team}.*Requesteradmin.*Expires\\d{1,2} [A-Z][a-z]{2} \\d{4}, \\d\\d:\\d\\d \\(in (7|6) days\\)`));

  // the secret output: its path, and its value on request (the resource's uid, from the noop step)
  const uid = await page.locator('.entity-ref code').textContent();
  const outputs = page.locator('section[aria-labelledby="resource-outputs-h"]');
  await outputs.getByRole('link', { name: new RegExp(`^team/${team}/dev/res-${uid}`) }).waitFor();
  await outputs.getByRole('button', { name: 'Reveal uid' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reveal uid?' });
  assert.match(await dialog.textContent(), /for 30 seconds.*recorded in the audit log/s);
  await dialog.getByRole('button', { name: 'Reveal', exact: true }).click();
  const shown = page.getByRole('region', { name: 'Value of uid' });
  assert.equal(await shown.textContent(), uid);
  await page.getByRole('timer').filter({ hasText: /^Hidden again in \d+ s\.$/ }).waitFor();
  await screenshots(page, 'resource');
  await outputs.getByRole('button', { name: 'Hide now' }).click();
  await page.getByRole('status').filter({ hasText: 'The value of uid is hidden again.' }).waitFor();
  assert.equal(await shown.count(), 0);
});

test('the resource is renewed for a number of days', async () => {
  const { page } = admin;
  await page.getByRole('button', { name: 'Renew' }).click();
  const dialog = page.getByRole('dialog', { name: `Renew ${resourceName}?` });
  await dialog.getByLabel('Days from now').fill('20');
  await dialog.getByRole('button', { name: 'Renew' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('status').filter({ hasText: /^Renewed/ }).waitFor();
  await page.locator('section[aria-labelledby="resource-overview-h"]').getByText(/in (20|19) days/).waitFor();
});

test('My resources lists it; deleting it from its page queues deprovisioning, which ends deprovisioned', async () => {
  const { page } = admin;
  await resourcesNav(page).getByRole('link', { name: 'My resources' }).click();
  await page.getByRole('heading', { name: 'My resources', level: 1 }).waitFor();
  const id = resourceUrl.replace(/.*\/resources\//, '');
  const row = page.getByRole('region', { name: 'My resources' }).locator('tbody tr').filter({ hasText: `resource ${id}` });
  assert.match(await row.textContent(), new RegExp(`${resourceName}resource ${id}ready${template}@1\\.0\\.0dev${team}\\d{1,2} [A-Z][a-z]{2} \\d{4}, \\d\\d:\\d\\d \\(in \\d+ days\\)`));
  await row.getByRole('button', { name: `Renew ${resourceName}` }).waitFor();
  await screenshots(page, 'resources');

  await row.getByRole('link', { name: resourceName }).click();
  await page.getByRole('heading', { name: resourceName, level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Delete this resource' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${resourceName}?` });
  assert.match(await dialog.textContent(), /deprovisioning steps.*cannot be undone/);
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('log').getByText(`goodbye ${goodName}`).waitFor({ timeout: RUNNER_WAIT });
  await page.waitForFunction(() => document.querySelector('.resource-state .pstate')?.textContent === 'deprovisioned', null, { timeout: RUNNER_WAIT });
  assert.equal(await page.getByRole('button', { name: 'Delete this resource' }).count(), 0);
  assert.match(await page.getByRole('region', { name: 'Jobs of the resource' }).textContent(), /deprovision/);
  await screenshots(page, 'resource-deprovisioned');
});

test('a request in prod waits for an approval its requester cannot give, and is cancelled', async () => {
  const { page } = admin;
  await page.goto(`${base}/templates/${template}/request?version=1.0.0`);
  await page.getByRole('heading', { name: `Request Hello ${stamp}`, level: 1 }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(`${goodName}-prod`);
  await page.getByLabel('Environment').selectOption('prod');
  await page.getByText('Requests in prod need 1 approval by a maintainer.').waitFor();
  await page.getByRole('button', { name: 'Send the request' }).click();
  const waiting = page.getByRole('status').filter({ hasText: /Request \d+ is waiting for approval\./ });
  await waiting.waitFor();
  await screenshots(page, 'request-pending');
  await waiting.getByRole('link', { name: /^Open request \d+$/ }).click();
  await page.getByRole('heading', { name: `${goodName}-prod · ${template} · prod`, level: 1 }).waitFor();
  await page.getByText(/Waiting for approval: 0 of 1/).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0, 'no approving one\'s own request');

  await resourcesNav(page).getByRole('link', { name: 'Approvals' }).click();
  await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
  await page.getByRole('main').getByText(/Nothing is waiting for your approval\.|Requests waiting for approval/).first().waitFor();
  assert.equal(await page.getByRole('main').getByText(`${goodName}-prod`).count(), 0);
  await page.goBack();
  await page.getByRole('button', { name: 'Cancel the request' }).click();
  await page.getByRole('dialog', { name: /^Cancel request \d+\?$/ }).getByRole('button', { name: 'Cancel the request' }).click();
  await page.getByRole('status').filter({ hasText: /Request \d+ is cancelled\./ }).waitFor();
  await page.locator('.entity-ref .pstate').filter({ hasText: /cancel/ }).waitFor();
});

test('a maintainer of the team, on a phone, approves a request in prod from the inbox (a rejection needs a reason)', async () => {
  const username = `maint-${stamp}`;
  const password = `pw-${stamp}-long-enough`;
  const made = await apiChange(admin.page, 'POST', '/iam/users', { username, display_name: 'Maintainer', kind: 'human', password });
  assert.equal(made.status(), 201, await made.text());
  const bound = await apiChange(admin.page, 'POST', '/iam/bindings',
    { subject_type: 'user', subject: username, role: 'maintainer', scope_type: 'team', scope_id: team });
  assert.equal(bound.status(), 201, await bound.text());

  const { page } = admin;
  await page.goto(`${base}/templates/${template}/request?version=1.0.0`);
  await page.getByLabel('Name', { exact: true }).fill(`${goodName}-ok`);
  await page.getByLabel('Environment').selectOption('prod');
  await page.getByLabel('Team', { exact: true }).selectOption(team);
  await page.getByRole('button', { name: 'Send the request' }).click();
  const waiting = page.getByRole('status').filter({ hasText: /Request \d+ is waiting for approval\./ });
  await waiting.waitFor();
  const id = /Request (\d+) is waiting/.exec(await waiting.textContent())[1];

  const maintainer = await openPage(browser, { viewport: NARROW });
  const phone = maintainer.page;
  await logIn(phone, username, password, '/resources/approvals');
  await phone.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
  const row = phone.getByRole('region', { name: 'Requests waiting for approval' }).locator('tbody tr').filter({ hasText: `Request ${id}` });
  assert.match(await row.textContent(), new RegExp(`${template}@1\\.0\\.0prod${team}admin0 of 1`));
  await row.getByRole('button', { name: `Reject request ${id}` }).click();
  const reject = phone.getByRole('dialog', { name: `Reject request ${id}?` });
  await reject.getByRole('button', { name: 'Reject' }).click();
  await reject.getByText('A reason is required to reject a request.').waitFor();
  assert.equal(await reject.getByLabel('Why (required)').getAttribute('aria-invalid'), 'true');
  await screenshot(phone, 'approvals-reject-reason');
  await reject.getByRole('button', { name: 'Cancel' }).click();
  await row.getByRole('button', { name: `Approve request ${id}` }).click();
  const approve = phone.getByRole('dialog', { name: `Approve request ${id}?` });
  await approve.getByLabel('Comment (optional)').fill('fine for prod');
  await approve.getByRole('button', { name: 'Approve' }).click();
  await phone.getByRole('status').filter({ hasText: `Request ${id} is approved: provisioning has started.` }).waitFor();
  await phone.getByText('Nothing is waiting for your approval.').waitFor();
  await screenshot(phone, 'approvals');
  assert.deepEqual(maintainer.problems, []);
  await maintainer.context.close();

  await page.getByRole('link', { name: `Open request ${id}` }).click();
  await page.getByRole('heading', { name: `${goodName}-ok · ${template} · prod`, level: 1 }).waitFor();
  await page.locator('.entity-ref .pstate').filter({ hasText: 'approved' }).waitFor();
  assert.match(await page.getByRole('region', { name: 'Decisions', exact: true }).textContent(), new RegExp(`${username}approve.*fine for prod`));
  await page.getByRole('link', { name: /^resource \d+$/ }).click();
  await page.getByRole('heading', { name: `${goodName}-ok · ${template} · prod`, level: 1 }).waitFor();
  await page.getByRole('log').getByText(`hello ${goodName}-ok`).waitFor({ timeout: RUNNER_WAIT });
});

test('the notifications show what happened, and can be marked read', async () => {
  const { page } = admin;
  await resourcesNav(page).getByRole('link', { name: /^Notifications/ }).click();
  await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
  await page.getByRole('status').filter({ hasText: /unread|No unread/ }).first().waitFor();
  await screenshots(page, 'notifications');
  const mark = page.getByRole('button', { name: /^Mark read/ });
  if (await mark.count() > 0) {
    const before = await mark.count();
    await mark.first().click();
    await page.getByRole('status').filter({ hasText: /^Marked ".*" as read\.$/ }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('.notification.unread').length < n, before);
  }
});

test('no console errors on any templates or resources page', async () => {
  assert.deepEqual(admin.problems, []);
});
