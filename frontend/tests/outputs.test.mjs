// Browser tests of a resource's secret outputs (issue 13): a developer requests a resource whose
// template hands out a secret output, and reveals it on the resource's page; a developer of the
// same team who did not request it sees the output's path but no Reveal; the secret's page says
// which resource manages it (with a link), and writing a new version of it, or deleting it,
// warns and asks first. Screenshots at 1280 and 390 px. Names carry a stamp, so the story runs
// again on the same database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, adminPassword, apiChange, launch, logIn, makeTeamAndJoin, openPage, screenshot, screenshots } from './browser.mjs';

const stamp = `o${Date.now().toString(36)}`;
const team = `out-${stamp}`;
const template = `token-${stamp}`;
const requester = `req-${stamp}`;
const teammate = `mate-${stamp}`;
const password = `pw-${stamp}-long-enough`;
const RUNNER_WAIT = 90000;

const XML = `<?xml version="1.0"?>
<template xmlns="urn:portico:template:1" name="${template}" version="1.0.0">
  <title>Token ${stamp}</title>
  <description>Hands out a secret: the resource's uid, sealed as a secret output.</description>
  <owner team="${team}"/>
  <parameters>
    <parameter name="label" type="string" required="true" pattern="[a-z][a-z0-9-]{2,20}"><label>Label</label></parameter>
  </parameters>
  <steps><step name="mint" driver="noop"><arg name="message">minting {{label}}</arg></step></steps>
  <outputs><output name="token" from="mint.uid" secret="true"/></outputs>
  <deprovision><step name="forget" driver="noop"/></deprovision>
</template>
`;

let browser;
let admin;
let resourceUrl;
let secretPath;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
});
after(async () => { await browser?.close(); });

test('the administrator makes a team with two developers and publishes a template with a secret output', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  await makeTeamAndJoin(page, team, 'Outputs team');
  for (const username of [requester, teammate]) {
    const made = await apiChange(page, 'POST', '/iam/users', { username, display_name: username, kind: 'human', password });
    assert.equal(made.status(), 201, await made.text());
    const { id } = await made.json();
    const bound = await apiChange(page, 'POST', '/iam/bindings', { subject_type: 'user', subject: username, role: 'developer', scope_type: 'team', scope_id: team });
    assert.equal(bound.status(), 201, await bound.text());
    const joined = await apiChange(page, 'PUT', `/iam/teams/${team}/members/${id}`);
    assert.ok(joined.ok(), await joined.text());
  }
  const created = await apiChange(page, 'POST', '/templates', XML, 'application/xml');
  assert.equal(created.status(), 201, await created.text());
  const published = await apiChange(page, 'POST', `/templates/${template}/versions/1.0.0/publish`, '', 'application/json');
  assert.equal(published.status(), 200, await published.text());
});

test('the requester, a developer, reveals the secret output of the resource it requested', async () => {
  const dev = await openPage(browser);
  const { page } = dev;
  await logIn(page, requester, password, `/templates/${template}/request?version=1.0.0`);
  await page.getByRole('heading', { name: `Request Token ${stamp}`, level: 1 }).waitFor();
  await page.getByLabel('Label', { exact: true }).fill('ci-token');
  await page.getByLabel('Environment').fill('dev');
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.waitForURL(/\/resources\/\d+$/);
  resourceUrl = page.url();
  await page.waitForFunction(() => document.querySelector('.resource-state .pstate')?.textContent === 'ready', null, { timeout: RUNNER_WAIT });
  const outputs = page.locator('section[aria-labelledby="resource-outputs-h"]');
  const link = outputs.getByRole('link', { name: new RegExp(`^team/${team}/dev/res-`) });
  secretPath = await link.textContent();
  await outputs.getByRole('button', { name: 'Reveal token' }).click();
  await page.getByRole('dialog', { name: 'Reveal token?' }).getByRole('button', { name: 'Reveal', exact: true }).click();
  const uid = await page.locator('.entity-ref code').textContent();
  assert.equal(await page.getByRole('region', { name: 'Value of token' }).textContent(), uid, 'the noop step hands out the uid');
  await screenshots(page, 'resource-requester-reveals');
  assert.deepEqual(dev.problems, []);
  await dev.context.close();
});

test('a developer of the same team who did not request it sees the output but may not reveal it', async () => {
  const mate = await openPage(browser, { viewport: NARROW });
  const { page } = mate;
  await logIn(page, teammate, password, new URL(resourceUrl).pathname);
  const outputs = page.locator('section[aria-labelledby="resource-outputs-h"]');
  await outputs.getByRole('link', { name: secretPath }).waitFor();
  assert.equal(await outputs.getByRole('button', { name: /^Reveal/ }).count(), 0, 'no Reveal for who did not request it');
  await outputs.getByText(`You can't reveal it: only ${requester}, who requested it, the maintainers of team ${team} and administrators can.`).waitFor();
  await screenshot(page, 'resource-teammate-no-reveal');
  assert.deepEqual(mate.problems, []);
  await mate.context.close();
});

test('the secret page says which resource manages it; a new version and deleting it warn and ask first', async () => {
  const { page } = admin;
  await page.goto(resourceUrl);
  await page.locator('section[aria-labelledby="resource-outputs-h"]').getByRole('link', { name: secretPath }).click();
  await page.getByRole('heading', { name: /^res-/, level: 1 }).waitFor();
  const note = page.locator('.managed-note');
  assert.match(await note.textContent(), /This secret is managed by resource .*Writing or deleting it by hand can break what uses it/);
  assert.equal(await note.getByRole('link').getAttribute('href'), new URL(resourceUrl).pathname);
  await screenshots(page, 'secret-managed');

  await page.getByLabel('New value').fill('changed by hand');
  await page.getByRole('button', { name: 'Save version 2' }).click();
  const ask = page.getByRole('dialog', { name: /^Write to a secret that .* manages\?$/ });
  assert.match(await ask.textContent(), /may stop working/);
  await screenshots(page, 'secret-managed-write');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Save version 2' }).click();
  await ask.getByRole('button', { name: 'Save version 2 anyway' }).click();
  await ask.waitFor({ state: 'detached' });
  await page.getByRole('status').filter({ hasText: 'Saved version 2: it is the current version now.' }).waitFor();

  await page.getByRole('button', { name: 'Delete this secret' }).click();
  const remove = page.getByRole('dialog', { name: /^Delete the secret res-/ });
  assert.match(await remove.textContent(), /manages this secret:.*will no longer have it/);
  await remove.getByRole('button', { name: 'Cancel' }).click();
  assert.deepEqual(admin.problems, []);
});
