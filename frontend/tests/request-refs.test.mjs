// Browser test of the request form's owner entity (issue 13, point 5): the short ref
// "component:ledger-worker" that the catalog accepts everywhere is accepted here too (the form
// says which entity it means, and the resource is owned by component:default/ledger-worker-...,
// the full ref), while a ref the catalog would refuse is refused at its field before anything is
// sent. Screenshots at 1280 and 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, makeTeamAndJoin, openPage, screenshot } from './browser.mjs';

const stamp = `r${Date.now().toString(36)}`;
const team = `refs-${stamp}`;
const template = `forent-${stamp}`;
const entity = `ledger-worker-${stamp}`;
const RUNNER_WAIT = 90000;

const XML = `<?xml version="1.0"?>
<template xmlns="urn:portico:template:1" name="${template}" version="1.0.0">
  <title>For an entity ${stamp}</title>
  <owner team="${team}"/>
  <policy><environments><environment>dev</environment></environments></policy>
  <steps><step name="s" driver="noop"/></steps>
</template>
`;

let browser;
let admin;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
});
after(async () => { await browser?.close(); });

test('the request form takes the short ref component:<name>, as the catalog does, and the full ref owns the resource', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  await makeTeamAndJoin(page, team, 'Refs team');
  const put = await apiChange(page, 'PUT', `/catalog/entities/component/default/${entity}`, {
    apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: entity }, spec: { type: 'service', lifecycle: 'production', owner: team },
  });
  assert.equal(put.status(), 201, await put.text());
  const created = await apiChange(page, 'POST', '/templates', XML, 'application/xml');
  assert.equal(created.status(), 201, await created.text());
  const published = await apiChange(page, 'POST', `/templates/${template}/versions/1.0.0/publish`);
  assert.equal(published.status(), 200, await published.text());

  await page.goto(`${base}/templates/${template}/request?version=1.0.0`);
  await page.getByLabel('An entity of the catalog').check();
  const field = page.getByLabel('Entity', { exact: true });
  let sent = 0;
  const count = (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/provision/requests')) sent += 1; };
  page.on('request', count);
  await field.fill(`widget:${entity}`);
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.getByText(/^Must be an entity ref: \[kind:\]\[namespace\/\]name/).waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.equal(sent, 0, 'nothing was sent for a ref the catalog would refuse');
  page.off('request', count);

  await field.fill(`component:${entity}`);
  await page.getByText(`That is component:default/${entity}.`).waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), null, 'a ref now: the field is no longer marked');
  await screenshot(page, 'request-form-short-ref');
  await page.setViewportSize(NARROW);
  await screenshot(page, 'request-form-short-ref');
  await page.setViewportSize(WIDE);
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.waitForURL(/\/resources\/\d+$/);
  const owner = page.locator('section[aria-labelledby="resource-overview-h"]');
  await owner.getByRole('link', { name: `component:default/${entity}` }).waitFor();
  assert.match(await owner.textContent(), new RegExp(`OwnerEntity component:default/${entity}, owned by team ${team}`));
  await page.waitForFunction(() => document.querySelector('.resource-state .pstate')?.textContent === 'ready', null, { timeout: RUNNER_WAIT });
  assert.deepEqual(admin.problems, []);
});
