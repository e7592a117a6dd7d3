// Browser tests of catalog locations and the catalog report, as a story told in order. The
// administrator writes a catalog file under the stack's catalog_location_roots
// (PORTICO_TEST_LOCATIONS: $PORTICO_STATE/locations in ./dev.sh test; with ./dev.sh up the
// checkout is the root, and var/browser-locations/ is used), registers it through the form (after
// a path outside the roots, which the server refuses at the field), sees the runner sync it, opens
// its page (its entities), cuts the file short so that the deletion guard holds the sync back,
// confirms the removals and sees the orphans; the report lists each kind of problem with links.
// A viewer sees the pages without the actions, and an empty report that says all is well. At 1280
// and 390 px, with screenshots. The runner is running (dev.sh starts one for the browser suite).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, openPage, screenshot } from './browser.mjs';

const stamp = `l${Date.now().toString(36)}`;
const root = process.env.PORTICO_TEST_LOCATIONS ?? fileURLToPath(new URL('../../var/browser-locations/', import.meta.url));
const file = `${root.replace(/\/$/, '')}/${stamp}/catalog-info.yaml`;
const group = `loc-team-${stamp}`;
const SYNC = { timeout: 30000 };   // the runner looks at the catalog every few seconds

/** The catalog file: a Group, components c0..c{n-1} it owns, one with a dangling dependency, one whose owner is missing. */
function catalogFile(n) {
  const doc = (kind, name, spec) => `apiVersion: backstage.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
  const docs = [doc('Group', group, '  type: team\n')];
  for (let i = 0; i < n; i++) docs.push(doc('Component', `${stamp}-c${i}`, `  type: service\n  lifecycle: production\n  owner: ${group}\n`));
  docs.push(doc('Component', `${stamp}-dangling`, `  type: service\n  lifecycle: production\n  owner: ${group}\n  dependsOn: [resource:default/${stamp}-missing-db]\n`));
  docs.push(doc('Component', `${stamp}-unowned`, `  type: service\n  lifecycle: experimental\n  owner: group:default/${stamp}-nobody\n`));
  return docs.join('---\n');
}

let browser;
let admin;
let viewer;
before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, catalogFile(5));
  browser = await launch();
  admin = await openPage(browser);
});
after(async () => { await browser?.close(); });

const catalogNav = (page) => page.getByRole('navigation', { name: 'Catalog' });
const card = (page) => page.locator('.location-card').filter({ has: page.getByRole('link', { name: file, exact: true }) });
const noSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

test('a location outside the roots is refused at its field; one inside is registered and synced by the runner', async () => {
  const { page, problems } = admin;
  await logIn(page, 'admin', adminPassword, '/catalog');
  await catalogNav(page).getByRole('link', { name: 'Locations' }).click();
  await page.getByRole('heading', { name: 'Catalog locations', level: 1 }).waitFor();
  const form = page.locator('form.location-form');
  await form.getByLabel('Type').selectOption('file');
  await form.getByLabel('Path').fill('/etc/passwd');
  await form.getByRole('button', { name: 'Register location' }).click();
  const target = form.getByLabel('Path');
  await form.locator('.field-error').filter({ hasText: 'catalog_location_roots' }).waitFor();
  assert.equal(await target.getAttribute('aria-invalid'), 'true', 'the server\'s 422 is shown at the field');

  // git shows the repository's fields; file hides them again
  await form.getByLabel('Type').selectOption('git');
  await form.getByLabel('File in the repository').waitFor();
  await form.getByLabel('Type').selectOption('file');
  assert.equal(await form.getByLabel('File in the repository').count(), 0);

  await form.getByLabel('Path').fill(file);
  await form.getByLabel('When an entity leaves the file').selectOption('keep');
  await form.getByLabel('Read it every (seconds)').fill('3600');
  await form.getByRole('button', { name: 'Register location' }).click();
  await form.getByRole('status').filter({ hasText: `Registered ${file}` }).waitFor();
  assert.equal(await form.getByLabel('Path').inputValue(), '', 'the form is empty again');

  // the list shows it, waiting, then synced (the page looks again while the runner is due)
  await card(page).waitFor();
  await card(page).locator('.location-status.ok').waitFor(SYNC);
  const text = await card(page).textContent();
  assert.match(text, /Synced/);
  assert.match(text, /8 entities/);
  assert.match(text, /8 added, 0 changed, 0 removed/);
  assert.match(text, /every 3600 seconds/);
  await screenshot(page, 'catalog-locations');
  assert.deepEqual(problems, []);
});

test("a location's page lists the entities it brings", async () => {
  const { page } = admin;
  await card(page).getByRole('link', { name: file, exact: true }).click();
  await page.getByRole('heading', { name: /^Location \d+$/, level: 1 }).waitFor();
  const entities = page.getByRole('region', { name: /^Entities/ });
  await entities.getByRole('heading', { name: 'Entities (8)' }).waitFor();
  await entities.getByRole('link', { name: `component:${stamp}-c3` }).waitFor();
  await entities.getByRole('link', { name: `group:${group}` }).waitFor();
  await page.getByRole('region', { name: /^Orphans/ }).getByText('None: every entity this location brought is still in its file.').waitFor();
  await screenshot(page, 'catalog-location');
});

test('a file cut short is held back by the deletion guard until the removals are confirmed; they become orphans', async () => {
  const { page, problems } = admin;
  await writeFile(file, catalogFile(1));   // c1..c4 gone: 4 of 8, more than the guard's 20%
  await page.getByRole('button', { name: `Sync now ${file}` }).click();
  await page.locator('.location-status.guarded').waitFor(SYNC);
  assert.match(await page.locator('.location-message').textContent(), /^The file no longer has 4 of the location's 8 entities.*nothing was changed/);
  await page.getByRole('region', { name: /^Entities/ }).getByRole('heading', { name: 'Entities (8)' }).waitFor();

  await page.getByRole('button', { name: `Confirm 4 removals of ${file}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Let 4 removals go ahead?' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /would have removed 4 of its 8 entities/);
  assert.match(await dialog.textContent(), /they stay in the catalog as orphans/);
  await screenshot(page, 'catalog-location-guard');
  await dialog.getByRole('button', { name: 'Confirm 4 removals' }).click();
  await dialog.waitFor({ state: 'detached' });

  await page.locator('.location-status.ok').waitFor(SYNC);
  const orphans = page.getByRole('region', { name: /^Orphans/ });
  await orphans.getByRole('heading', { name: 'Orphans (4)' }).waitFor(SYNC);
  for (const i of [1, 2, 3, 4]) await orphans.getByRole('link', { name: `component:${stamp}-c${i}` }).waitFor();
  await page.getByRole('region', { name: /^Entities/ }).getByRole('heading', { name: 'Entities (4)' }).waitFor();
  assert.match(await page.locator('.facts').first().textContent(), /4 orphans/);
  await screenshot(page, 'catalog-location-orphans');
  assert.deepEqual(problems, []);
});

test('the report lists each kind of problem with links to the entities', async () => {
  const { page, problems } = admin;
  await catalogNav(page).getByRole('link', { name: 'Report' }).click();
  await page.getByRole('heading', { name: 'Catalog report', level: 1 }).waitFor();
  const section = (name) => page.getByRole('region', { name: new RegExp(`^${name}`) });
  await section('Without an owner in the catalog').getByRole('link', { name: `component:${stamp}-unowned` }).waitFor();
  assert.match(await section('Without an owner in the catalog').textContent(), new RegExp(`owner ${stamp}-nobody is not in the catalog`));
  const dangling = section('Relations to entities that are not there').locator('li').filter({ hasText: `${stamp}-dangling` });
  assert.match(await dangling.textContent(), new RegExp(`depends on resource:${stamp}-missing-db`));
  await section('Groups without a Portico team').getByRole('link', { name: `group:${group}` }).waitFor();
  const orphan = section('Orphans').locator('li').filter({ hasText: `${stamp}-c2` });
  await orphan.getByRole('link', { name: /^location \d+$/ }).waitFor();
  await screenshot(page, 'catalog-report');
  await orphan.getByRole('link', { name: `component:${stamp}-c2` }).click();
  await page.getByRole('heading', { name: `${stamp}-c2`, level: 1 }).waitFor();
  assert.deepEqual(problems, []);
});

test('at 390 px the locations, a location and the report fit the screen', async () => {
  const narrow = await openPage(browser, { viewport: NARROW });
  const { page, problems } = narrow;
  await logIn(page, 'admin', adminPassword, '/catalog/locations');
  await card(page).waitFor();
  assert.ok(await noSideways(page), 'the locations list fits');
  await screenshot(page, 'catalog-locations');
  await card(page).getByRole('link', { name: file, exact: true }).click();
  await page.getByRole('region', { name: /^Orphans/ }).getByRole('heading', { name: 'Orphans (4)' }).waitFor();
  assert.ok(await noSideways(page), 'a location fits');
  await screenshot(page, 'catalog-location');
  await page.goto(`${base}/catalog/report`);
  await page.getByRole('region', { name: /^Orphans/ }).waitFor();
  assert.ok(await noSideways(page), 'the report fits');
  await screenshot(page, 'catalog-report');
  assert.deepEqual(problems, []);
  await narrow.context.close();
});

test('a viewer of a team that owns nothing sees no other team\'s location, no actions, and a report where all is well', async () => {
  const username = `loc-viewer-${stamp}`;
  const password = `${username}-password`;
  const team = `loc-empty-${stamp}`;
  assert.equal((await apiChange(admin.page, 'POST', '/iam/teams', { name: team, display_name: 'Owns nothing' })).status(), 201);
  const made = await apiChange(admin.page, 'POST', '/iam/users', { username, display_name: 'Location viewer', kind: 'human', password });
  assert.equal(made.status(), 201, await made.text());
  const bound = await apiChange(admin.page, 'POST', '/iam/bindings',
    { subject_type: 'user', subject: username, role: 'viewer', scope_type: 'team', scope_id: team });
  assert.equal(bound.status(), 201, await bound.text());

  viewer = await openPage(browser, { viewport: NARROW });
  const { page, problems } = viewer;
  await logIn(page, username, password, '/catalog');
  await page.getByRole('button', { name: 'Menu' }).waitFor();
  await catalogNav(page).getByRole('link', { name: 'Locations' }).click();
  // another team's location is not the viewer's to see (issue 14, finding 2)
  await page.getByRole('heading', { name: 'Locations (0)' }).waitFor();
  await page.getByText('No location of your teams is registered yet').waitFor();
  assert.equal(await card(page).count(), 0, "no other team's location");
  assert.equal(await page.getByRole('button', { name: /^Sync now/ }).count(), 0, 'no sync for a viewer');
  assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0, 'no delete for a viewer');
  assert.equal(await page.getByRole('heading', { name: 'Register a location' }).count(), 0, 'no form for a viewer');
  await catalogNav(page).getByRole('link', { name: 'Report' }).click();
  const well = page.getByRole('status').filter({ hasText: 'All is well' });
  await well.waitFor();
  assert.match(await well.textContent(), /every relation reaches its entity/);
  assert.equal(await page.getByRole('region', { name: /^Orphans/ }).count(), 0);
  await screenshot(page, 'catalog-report-empty');
  await page.setViewportSize(WIDE);
  await screenshot(page, 'catalog-report-empty');
  assert.deepEqual(problems, []);
  await viewer.context.close();
});

test('deleting a location asks what becomes of its entities; deleted with them, they are gone', async () => {
  const { page, problems } = admin;
  await page.goto(`${base}/catalog/locations`);
  await card(page).waitFor();
  await card(page).getByRole('button', { name: `Delete location ${file}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this location?' });
  await dialog.waitFor();
  assert.ok(await dialog.getByLabel(/^Keep them, as orphans/).isChecked(), 'keeping them is the default');
  await dialog.getByLabel('Delete them too').check();
  await screenshot(page, 'catalog-location-delete');
  await dialog.getByRole('button', { name: 'Delete location' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('status').filter({ hasText: `Deleted the location ${file} and` }).waitFor();
  await card(page).waitFor({ state: 'detached' });
  const gone = await page.request.get(`${base}/api/v1/catalog/entities/component/default/${stamp}-c0`);
  assert.equal(gone.status(), 404, 'its entities went with it');
  assert.deepEqual(problems, []);
});
