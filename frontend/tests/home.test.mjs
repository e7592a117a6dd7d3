// Browser tests of Home: a developer whose team owns services, who requested resources (one was
// rejected by a maintainer, which the developer was told of) sees each of them, with its expiry,
// and what happened lately to the team's things, but no approvals section (a developer approves
// nothing); a new member of a new team, a maintainer there, meets every section empty, each saying
// how to fill it with a link that goes there; a person with no role sees only the sections
// everyone has. At 1280 and 390 px, with screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, base, launch, logIn, openPage, screenshot } from './browser.mjs';
import { actor, makeEntity, makePerson, makeTeam, makeTemplate, passwordOf } from './people.mjs';

const stamp = `h${Date.now().toString(36)}`;
const team = `home-${stamp}`;
const emptyTeam = `new-${stamp}`;
const template = `greet-${stamp}`;
const dev = `dev-${stamp}`;
const lead = `lead-${stamp}`;
const newbie = `newbie-${stamp}`;
const nobody = `nobody-${stamp}`;

let browser;
let admin;
let rejected;
let resource;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  await makeTeam(page, team);
  await makeTeam(page, emptyTeam);
  await makePerson(page, dev, { role: 'developer', team, member: true });
  await makePerson(page, lead, { role: 'maintainer', team, member: true });
  await makePerson(page, newbie, { role: 'maintainer', team: emptyTeam, member: true });
  await makePerson(page, nobody);
  await makeEntity(page, `orders-${stamp}`, team, `Orders ${stamp}`);
  await makeEntity(page, `billing-${stamp}`, team, `Billing ${stamp}`);
  await makeTemplate(page, template, team, `Greeting ${stamp}`);
  // the developer's requests: one in dev (a resource at once), one in prod the maintainer rejects
  const asDev = await actor(browser, dev);
  const made = await asDev.call('POST', '/provision/requests', { template, environment: 'dev', team, parameters: { name: 'alpha' } });
  resource = made.resource_id;
  const waiting = await asDev.call('POST', '/provision/requests', { template, environment: 'prod', team, parameters: { name: 'beta' } });
  rejected = waiting.id;
  const asLead = await actor(browser, lead);
  await asLead.call('POST', `/provision/requests/${rejected}/reject`, { comment: 'not in prod yet' });
  await asDev.context.close();
  await asLead.context.close();
});
after(async () => { await browser?.close(); });

const section = (page, name) => page.getByRole('region', { name, exact: true });

async function both(page, name) {
  await screenshot(page, name);
  await page.setViewportSize(NARROW);
  await screenshot(page, name);
  await page.setViewportSize(WIDE);
}

test('a developer sees the services, resources, notices and activity of their things, and no approvals', async () => {
  const { page, problems } = await openPage(browser);
  await logIn(page, dev, passwordOf(dev));
  await page.getByRole('heading', { name: `Welcome, ${dev}`, level: 1 }).waitFor();

  const services = section(page, 'My services');
  await services.getByRole('link', { name: `Orders ${stamp}` }).waitFor();
  await services.getByRole('link', { name: `Billing ${stamp}` }).waitFor();
  assert.equal(await services.getByRole('link', { name: `Orders ${stamp}` }).getAttribute('href'), `/catalog/entity/component/default/orders-${stamp}`);
  await services.getByRole('link', { name: 'All 2 services of my teams' }).waitFor();

  const resources = section(page, 'My resources');
  const row = resources.getByRole('listitem').filter({ hasText: `alpha · ${template} · dev` });   /* named by what it is */
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(`${template}@1\\.0\\.0 · dev · ${team}`));
  assert.match(await row.textContent(), /Expires \d+ \w{3} \d{4}, \d\d:\d\d \(in 7 days\)/);
  await resources.getByRole('link', { name: 'All my resources' }).waitFor();

  assert.equal(await section(page, 'Waiting for my approval').count(), 0, 'a developer approves nothing: no such section');

  const notices = section(page, 'Unread notifications');
  await notices.getByRole('link', { name: new RegExp(`rejected your request for beta · ${template} · prod: not in prod yet`) }).waitFor();

  const activity = section(page, 'Recent activity on my things');
  await activity.getByRole('listitem').filter({ hasText: `${lead} rejected request ${rejected}` }).waitFor();
  await activity.getByRole('listitem').filter({ hasText: `${dev} made request ${rejected}` }).waitFor();
  await activity.getByRole('listitem').filter({ hasText: `admin added component:orders-${stamp}` }).waitFor();
  await activity.getByRole('listitem').filter({ hasText: `admin published ${template}@1.0.0` }).waitFor();
  assert.equal(await activity.getByRole('link', { name: `request ${rejected}` }).first().getAttribute('href'), `/resources/requests/${rejected}`);
  await both(page, 'home-developer');

  // a link goes to the thing's page
  await activity.getByRole('link', { name: `request ${rejected}` }).first().click();
  await page.getByRole('heading', { name: `beta · ${template} · prod`, level: 1 }).waitFor();   /* the rejected request, by its name */
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a new member of a new team meets every section empty, each saying how to fill it', async () => {
  const { page, problems } = await openPage(browser, { viewport: NARROW });
  await logIn(page, newbie, passwordOf(newbie));
  const services = section(page, 'My services');
  await services.getByText(`Your teams (${emptyTeam}) own nothing in the catalog yet.`).waitFor();
  assert.equal(await services.getByRole('link', { name: 'Import a catalog' }).getAttribute('href'), '/catalog/import');
  const resources = section(page, 'My resources');
  await resources.getByText('You have not requested any resource yet.').waitFor();
  assert.equal(await resources.getByRole('link', { name: 'Request one from a template' }).getAttribute('href'), '/templates');
  const approvals = section(page, 'Waiting for my approval');
  await approvals.getByText('Nothing is waiting for your approval.').waitFor();
  assert.equal(await approvals.getByRole('link', { name: 'the approvals inbox' }).getAttribute('href'), '/resources/approvals');
  const notices = section(page, 'Unread notifications');
  await notices.getByText('No unread notifications.').waitFor();
  assert.equal(await notices.getByRole('link', { name: 'earlier ones' }).getAttribute('href'), '/resources/notifications');
  await section(page, 'Recent activity on my things').getByText('Nothing has happened to your things in the last 90 days.').waitFor();
  await screenshot(page, 'home-empty');
  await page.setViewportSize(WIDE);
  await screenshot(page, 'home-empty');
  // the links lead where they say
  await services.getByRole('link', { name: 'Import a catalog' }).click();
  await page.getByRole('heading', { name: 'Import entities', level: 1 }).waitFor();
  await page.goBack();
  await resources.getByRole('link', { name: 'Request one from a template' }).click();
  await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a person with no role sees only the sections everyone has', async () => {
  const { page, problems } = await openPage(browser);
  await logIn(page, nobody, passwordOf(nobody));
  await section(page, 'Unread notifications').waitFor();
  await section(page, 'Recent activity on my things').getByText('Nothing has happened').waitFor();
  for (const name of ['My services', 'My resources', 'Waiting for my approval']) {
    assert.equal(await section(page, name).count(), 0, `no "${name}" for a person who may not use it`);
  }
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('Home reads its sections in a handful of requests', async () => {
  const { page } = await openPage(browser);
  await logIn(page, dev, passwordOf(dev));
  const calls = [];
  page.on('request', (r) => { if (r.url().startsWith(`${base}/api/`)) calls.push(new URL(r.url()).pathname); });
  await page.reload();
  await section(page, 'Recent activity on my things').getByRole('listitem').first().waitFor();
  await section(page, 'My services').getByRole('listitem').first().waitFor();
  // the session, the bell, six sections' lists (failing pipelines and my deploys among them), /ready
  assert.ok(calls.length <= 10, `Home made ${calls.length} API requests: ${calls.join(', ')}`);
  await page.context().close();
});
