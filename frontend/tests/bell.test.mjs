// Browser tests of the header's notifications bell: a developer whose own request waits for
// approval is not told of it (the team's maintainer is); three requests of the maintainer that
// wait are three unread notices, counted on the bell; the panel lists them; marking one read
// leaves two (and Home's section follows), "Mark all read" none; a notice that comes later is
// counted when the window gets the focus back; following a notice's link marks it read; the inbox
// page marks every one read too. From the
// keyboard (Enter opens, Escape closes and gives the focus back), at 1280 and 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, base, launch, logIn, openPage, screenshot } from './browser.mjs';
import { actor, makePerson, makeTeam, makeTemplate, passwordOf } from './people.mjs';

const stamp = `b${Date.now().toString(36)}`;
const team = `bell-${stamp}`;
const template = `ask-${stamp}`;
const dev = `dev-${stamp}`;
const lead = `lead-${stamp}`;

let browser;
let asDev;
let asLead;
let own;
const waiting = [];

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  const { page } = await openPage(browser);
  await logIn(page, 'admin', adminPassword);
  await makeTeam(page, team);
  await makePerson(page, dev, { role: 'developer', team, member: true });
  await makePerson(page, lead, { role: 'maintainer', team, member: true });
  await makeTemplate(page, template, team, `Ask ${stamp}`);
  await page.context().close();
  asDev = await actor(browser, dev);
  asLead = await actor(browser, lead);
  // the developer's own request waits for the maintainer; then three of the maintainer's wait too
  own = (await asDev.call('POST', '/provision/requests', { template, environment: 'prod', team, parameters: { name: 'mine' } })).id;
  for (const name of ['one', 'two', 'three']) {
    waiting.push((await asLead.call('POST', '/provision/requests', { template, environment: 'prod', team, parameters: { name } })).id);
  }
});
// Requests left waiting would be in every approver's inbox (a global admin's too) in the tests after these.
const later = [];
after(async () => {
  for (const id of [own]) if (id) await asDev?.call('POST', `/provision/requests/${id}/cancel`);
  for (const id of [...waiting, ...later]) await asLead?.call('POST', `/provision/requests/${id}/cancel`);
  await browser?.close();
});

const bell = (page) => page.getByRole('banner').getByRole('button', { name: /^Notifications/ });
const panel = (page) => page.getByRole('region', { name: 'Latest notifications' });
const subject = (who) => new RegExp(`^${who} wants [a-z]+ · ${template} · prod \\(${template} 1\\.0\\.0\\) for team ${team}`);

test('the requester is not told that their own request waits; the maintainer is', async () => {
  const leads = await asLead.call('GET', '/provision/notifications?unread=true');
  assert.ok(leads.notifications.some((n) => n.link === `/resources/requests/${own}`), 'the maintainer is told of the request');
  assert.ok(!leads.notifications.some((n) => waiting.some((id) => n.link === `/resources/requests/${id}`)),
    'but not of their own');
  const devs = await asDev.call('GET', '/provision/notifications?unread=true');
  assert.ok(!devs.notifications.some((n) => n.link === `/resources/requests/${own}`), 'the developer is not told of their own');
});

test('the bell counts the unread notices; its panel lists them, marks one and then all read', async () => {
  const { page, problems } = await openPage(browser);
  await logIn(page, dev, passwordOf(dev));
  await page.getByRole('banner').getByRole('button', { name: 'Notifications, 3 unread' }).waitFor();
  assert.equal(await page.locator('.bell-count').textContent(), '3');
  assert.equal(await panel(page).isVisible(), false);

  await bell(page).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('banner').getByRole('button', { name: /^Notifications/, expanded: true }).waitFor();
  await panel(page).getByRole('status').filter({ hasText: '3 unread.' }).waitFor();
  const items = panel(page).getByRole('listitem');
  assert.equal(await items.count(), 3);
  for (const item of await items.all()) assert.match(await item.getByRole('link').textContent(), subject(lead));
  assert.equal(await panel(page).getByRole('link', { name: subject(dev) }).count(), 0, 'nothing about the developer\'s own request');
  await screenshot(page, 'bell-open');

  // one read: two left, on the bell and on Home
  await panel(page).getByRole('button', { name: /^Mark read/ }).first().click();
  await page.getByRole('banner').getByRole('button', { name: 'Notifications, 2 unread' }).waitFor();
  await panel(page).getByRole('status').filter({ hasText: '2 unread.' }).waitFor();
  assert.equal(await panel(page).getByRole('button', { name: /^Mark read/ }).count(), 2);
  assert.equal(await items.count(), 3, 'a read notice stays in the list');
  await page.getByRole('region', { name: 'Unread notifications', exact: true }).getByRole('link', { name: 'All 2 unread notifications' }).waitFor();

  // every one read
  await panel(page).getByRole('button', { name: 'Mark all read' }).click();
  await page.getByRole('banner').getByRole('button', { name: 'Notifications', exact: true }).waitFor();
  await panel(page).getByRole('status').filter({ hasText: 'No unread notifications.' }).waitFor();
  assert.equal(await page.locator('.bell-count').count(), 0);
  assert.equal(await panel(page).getByRole('button', { name: 'Mark all read' }).count(), 0);
  await page.getByRole('region', { name: 'Unread notifications', exact: true }).getByText('No unread notifications.').waitFor();

  // Escape closes it and gives the focus back to the bell
  await page.keyboard.press('Escape');
  await page.getByRole('banner').getByRole('button', { name: /^Notifications/, expanded: false }).waitFor();
  assert.ok(await bell(page).evaluate((el) => el === document.activeElement), 'the focus is back on the bell');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a notice that comes later is counted when the window has the focus again; its link marks it read', async () => {
  const { page, problems } = await openPage(browser, { viewport: NARROW });
  await logIn(page, dev, passwordOf(dev));
  await page.getByRole('banner').getByRole('button', { name: 'Notifications', exact: true }).waitFor();
  const id = (await asLead.call('POST', '/provision/requests', { template, environment: 'prod', team, parameters: { name: 'four' } })).id;
  later.push(id);
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await page.getByRole('banner').getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  await bell(page).click();
  await panel(page).getByRole('button', { name: /^Mark read/ }).waitFor();
  await screenshot(page, 'bell-open');
  await page.setViewportSize(WIDE);
  await panel(page).getByRole('link', { name: subject(lead) }).first().click();
  await page.getByRole('heading', { name: `four · ${template} · prod`, level: 1 }).waitFor();   /* the request, by its name */
  assert.equal(await panel(page).isVisible(), false, 'the panel closes on the way');
  await page.getByRole('banner').getByRole('button', { name: 'Notifications', exact: true }).waitFor();
  const devs = await asDev.call('GET', '/provision/notifications?unread=true');
  assert.equal(devs.unread, 0);
  await page.setViewportSize(NARROW);
  await screenshot(page, 'bell-after');

  // the inbox page marks every one read too, and the bell follows
  later.push((await asLead.call('POST', '/provision/requests', { template, environment: 'prod', team, parameters: { name: 'five' } })).id);
  await page.goto(`${base}/resources/notifications`);
  await page.getByRole('main').getByRole('status').filter({ hasText: '1 unread.' }).waitFor();
  await page.getByRole('banner').getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  await page.getByRole('main').getByRole('button', { name: 'Mark all read' }).click();
  await page.getByRole('main').getByRole('status').filter({ hasText: 'Marked 1 notification as read.' }).waitFor();
  await page.getByRole('banner').getByRole('button', { name: 'Notifications', exact: true }).waitFor();
  assert.deepEqual(problems, []);
  await page.context().close();
});
