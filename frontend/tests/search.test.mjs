// Browser tests of the header's search: one word of a team's things finds its catalog entity, its
// template, its resource (by the template's name and by a parameter's value) and its secret's
// path, each labelled by what it is, and not another team's resource or secret with the same word;
// "/" puts the focus in the search, but not while typing in a field; the arrows move through the
// results, Enter opens one, Escape closes the list and then clears the text; "See all" opens the
// results page. A person who may read only the catalog has only the catalog asked; one who may
// read nothing has no search. At 1280 and 390 px, with screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, openPage, screenshot } from './browser.mjs';
import { actor, makeEntity, makePerson, makeSecret, makeTeam, makeTemplate, passwordOf } from './people.mjs';

const stamp = `s${Date.now().toString(36)}`;
const word = `zq${stamp}`;
const team = `find-${stamp}`;
const other = `away-${stamp}`;
const dev = `dev-${stamp}`;
const stranger = `stranger-${stamp}`;
const reader = `reader-${stamp}`;
const nobody = `nobody-${stamp}`;
const template = `${word}-tpl`;
const mySecret = `team/${team}/dev/${word}-key`;
const theirSecret = `team/${other}/dev/${word}-key`;

let browser;
let mine;
let theirs;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  const { page } = await openPage(browser);
  await logIn(page, 'admin', adminPassword);
  await makeTeam(page, team);
  await makeTeam(page, other);
  await makePerson(page, dev, { role: 'developer', team, member: true });
  await makePerson(page, stranger, { role: 'developer', team: other, member: true });
  const role = await apiChange(page, 'POST', '/iam/roles', { name: `catalog-${stamp}`, description: 'reads the catalog', permissions: ['catalog.entity.read'] });
  assert.equal(role.status(), 201, await role.text());
  await makePerson(page, reader, { role: `catalog-${stamp}`, team, member: true });
  await makePerson(page, nobody);
  await makeEntity(page, `${word}-svc`, team, `Finder ${stamp}`);
  await makeTemplate(page, template, team, `Finder template ${stamp}`);
  await makeSecret(page, mySecret);
  await makeSecret(page, theirSecret);
  await page.context().close();
  const asDev = await actor(browser, dev);
  mine = (await asDev.call('POST', '/provision/requests', { template, environment: 'dev', team, parameters: { name: `${word}db` } })).resource_id;
  const asStranger = await actor(browser, stranger);
  theirs = (await asStranger.call('POST', '/provision/requests', { template, environment: 'dev', team: other, parameters: { name: `${word}theirs` } })).resource_id;
  await asDev.context.close();
  await asStranger.context.close();
});
after(async () => { await browser?.close(); });

const box = (page) => page.getByRole('combobox', { name: 'Search Portico' });
const results = (page) => page.getByRole('listbox', { name: 'Search results' });
const option = (page, name) => results(page).getByRole('option', { name });

async function typeWord(page) {
  await box(page).fill(word);
  await option(page, /^See all results/).waitFor();
}

test('"/" puts the focus in the search, but not while one types in a field', async () => {
  const { page, problems } = await openPage(browser);
  await logIn(page, dev, passwordOf(dev));
  await page.getByRole('heading', { name: `Welcome, ${dev}` }).waitFor();
  await page.keyboard.press('/');
  assert.ok(await box(page).evaluate((el) => el === document.activeElement), '"/" focuses the search');
  assert.equal(await box(page).inputValue(), '', 'and types nothing there');
  await page.goto(`${base}/templates`);
  const gallery = page.getByRole('search', { name: 'Search the templates' }).getByLabel('Search');
  await gallery.click();
  await page.keyboard.type('a/b');
  assert.equal(await gallery.inputValue(), 'a/b', 'a "/" typed in a field stays there');
  assert.ok(await gallery.evaluate((el) => el === document.activeElement));
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('one word finds each kind of the team\'s things, labelled, and nothing of another team\'s', async () => {
  const { page, problems } = await openPage(browser);
  await logIn(page, dev, passwordOf(dev));
  await typeWord(page);
  assert.equal(await box(page).getAttribute('aria-expanded'), 'true');
  const expect = [
    ['Catalog', `Component Finder ${stamp}`],
    ['Templates', `Template Finder template ${stamp}`],
    ['Resources', `Resource ${word}db · ${template} · dev`],
    ['Secrets', `Secret ${mySecret}`],
  ];
  for (const [group, name] of expect) {
    await results(page).getByRole('group', { name: group }).getByRole('option', { name: new RegExp(`^${name}`) }).waitFor();
  }
  assert.equal(await option(page, new RegExp(`${word}theirs`)).count(), 0, 'another team\'s resource is not found');
  assert.equal(await option(page, new RegExp(theirSecret)).count(), 0, 'nor another team\'s secret');
  assert.equal(await results(page).getByRole('option').filter({ hasText: other }).count(), 0);
  await screenshot(page, 'search-suggestions');
  await page.setViewportSize(NARROW);
  await screenshot(page, 'search-suggestions');
  await page.setViewportSize(WIDE);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('the keyboard moves through the results, opens one, closes the list and clears the text', async () => {
  const { page, problems } = await openPage(browser);
  await logIn(page, dev, passwordOf(dev));
  await page.keyboard.press('/');
  await page.keyboard.type(word);
  await option(page, /^See all results/).waitFor();
  const options = results(page).getByRole('option');
  const selected = () => results(page).getByRole('option', { selected: true });
  await page.keyboard.press('ArrowDown');
  assert.equal(await selected().count(), 1);
  assert.equal(await selected().getAttribute('id'), await options.nth(0).getAttribute('id'));
  assert.equal(await box(page).getAttribute('aria-activedescendant'), await options.nth(0).getAttribute('id'));
  await page.keyboard.press('ArrowDown');
  assert.equal(await selected().getAttribute('id'), await options.nth(1).getAttribute('id'));
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.match(await selected().textContent(), /^See all results for “/, 'up from the first is the last');
  await page.keyboard.press('ArrowDown');
  assert.match(await selected().textContent(), new RegExp(`Finder ${stamp}`), 'down from the last is the first');

  // Escape closes the list and keeps the text; again, it clears it
  await page.keyboard.press('Escape');
  assert.equal(await box(page).getAttribute('aria-expanded'), 'false');
  assert.equal(await results(page).isVisible(), false);
  assert.equal(await box(page).inputValue(), word);
  await page.keyboard.press('Escape');
  assert.equal(await box(page).inputValue(), '');

  // Enter opens the chosen one: the catalog entity
  await page.keyboard.type(word);
  await option(page, /^See all results/).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/catalog/entity/component/default/${word}-svc`);
  await page.getByRole('heading', { name: `Finder ${stamp}`, level: 1 }).waitFor();
  assert.equal(await results(page).isVisible(), false);

  // the secret's result opens the secret, by the mouse
  await box(page).fill(word);
  await option(page, new RegExp(`^Secret ${mySecret}`)).click();
  await page.waitForURL(`${base}/secrets/${mySecret}`);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('"See all" opens the results page with every kind', async () => {
  const { page, problems } = await openPage(browser, { viewport: NARROW });
  await logIn(page, dev, passwordOf(dev));
  await typeWord(page);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/search?q=${word}`);
  await page.getByRole('heading', { name: `Search: ${word}`, level: 1 }).waitFor();
  const section = (name) => page.getByRole('region', { name: new RegExp(`^${name}`) });
  await section('Catalog').getByRole('link', { name: `Finder ${stamp}` }).waitFor();
  await section('Templates').getByRole('link', { name: `Finder template ${stamp}` }).waitFor();
  await section('Resources').getByRole('link', { name: `${word}db · ${template} · dev`, exact: true }).waitFor();
  await section('Secrets').getByRole('link', { name: mySecret }).waitFor();
  assert.equal(await section('Resources').getByRole('link', { name: `${word}theirs · ${template} · dev`, exact: true }).count(), 0);
  assert.equal(await page.getByRole('main').getByText(theirSecret).count(), 0);
  assert.match(await section('Secrets').textContent(), /Secret/);
  await screenshot(page, 'search-results');
  await page.setViewportSize(WIDE);
  await screenshot(page, 'search-results');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('only the areas a person may read are asked; with none, there is no search', async () => {
  const { page, problems } = await openPage(browser, { viewport: NARROW });
  await logIn(page, reader, passwordOf(reader));
  const asked = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (/^\/api\/v1\/(catalog\/entities|templates|provision\/resources|secrets\/metadata)$/.test(path)) asked.push(path);
  });
  await typeWord(page);
  await results(page).getByRole('group', { name: 'Catalog' }).getByRole('option', { name: new RegExp(`Finder ${stamp}`) }).waitFor();
  assert.deepEqual([...new Set(asked)], ['/api/v1/catalog/entities']);
  for (const group of ['Templates', 'Resources', 'Secrets']) {
    assert.equal(await results(page).getByRole('group', { name: group }).count(), 0, `no ${group} for a catalog reader`);
  }
  assert.deepEqual(problems, []);
  await page.context().close();

  const none = await openPage(browser);
  await logIn(none.page, nobody, passwordOf(nobody));
  await none.page.getByRole('heading', { name: `Welcome, ${nobody}` }).waitFor();
  assert.equal(await box(none.page).count(), 0, 'nothing to search: no search box');
  await none.context.close();
});
