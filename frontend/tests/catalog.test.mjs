// Browser tests of the catalog, as a story told in order: the administrator joins a team named
// like a Group of the fixture (whose Group, made with the team, the file then takes over), imports
// tests/fixtures/catalog-info.yaml through the import page
// (after a malformed and an invalid text, whose problems appear at their lines), finds the
// entities by words, facets and "owned by my teams", opens one to see its owner, links,
// relations, dependency graph (a cycle marked, a dangling ref, depth and direction changed) and
// instances, and screenshots each page at 1280 and 390 px. Every name carries a stamp, so the
// story runs on a fresh database and again on the same one, beside the other tests' data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, mainNav, makeTeamAndJoin, openPage, screenshot } from './browser.mjs';

const stamp = `c${Date.now().toString(36)}`;
const fixture = (await readFile(new URL('./fixtures/catalog-info.yaml', import.meta.url), 'utf8')).replaceAll('STAMP', stamp);
const team = `shop-team-${stamp}`;
const DOCUMENTS = 14;   // in the fixture: 5 components, 3 resources, 2 groups, an API, a system, a domain, a user

let browser;
let admin;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
});
after(async () => { await browser?.close(); });

const catalogNav = (page) => page.getByRole('navigation', { name: 'Catalog' });
const facet = (page, name) => page.getByRole('region', { name, exact: true });

test('the administrator joins the team that owns the shop in the catalog', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  await makeTeamAndJoin(page, team, 'Shop team');
  await page.reload();
  await page.getByRole('heading', { name: 'Your teams' }).waitFor();
  await page.getByRole('main').getByText(team, { exact: true }).waitFor();
  await page.getByRole('heading', { name: 'My services', level: 2 }).waitFor();
});

test('the import page shows malformed YAML at its line and bad fields at their document', async () => {
  const { page } = admin;
  await mainNav(page).getByRole('link', { name: 'Catalog' }).click();
  await catalogNav(page).getByRole('link', { name: 'Import' }).click();
  await page.getByRole('heading', { name: 'Import entities', level: 1 }).waitFor();
  const text = page.getByLabel('catalog-info.yaml');
  const apply = page.getByRole('button', { name: 'Apply' });
  assert.ok(await apply.isDisabled(), 'nothing to apply before a preview');

  await text.fill('apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [unclosed\nspec: {}\n');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('alert').filter({ hasText: 'not well-formed YAML' }).waitFor();
  const error = page.locator('.import-error');
  assert.match(await error.textContent(), /YAML line \d+, column \d+/);
  assert.equal(await text.getAttribute('aria-invalid'), 'true');

  const invalid = [
    '---', 'apiVersion: backstage.io/v1alpha1', 'kind: Component', 'metadata:', `  name: fine-${stamp}`, 'spec:',
    `  owner: ${team}`, '---', 'apiVersion: backstage.io/v1alpha1', 'kind: Component', 'metadata:', '  name: "not ok!"',
    '  tags: [Not A Tag]', 'spec:', '  type: service', '',
  ].join('\n');
  await text.fill(invalid);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('alert').filter({ hasText: /2 fields are wrong in one document/ }).waitFor();
  assert.match(await error.textContent(), /Document 2 \(not ok!\), from line 9:.*metadata\/name.*metadata\/tags\/0/s);
  await error.getByRole('button', { name: 'Go to line 12' }).click();
  assert.equal(await text.evaluate((el) => (el === document.activeElement ? el.value.slice(el.selectionStart, el.selectionEnd) : null)),
    '  name: "not ok!"', 'the line of the bad field is selected in the text');
  assert.ok(await apply.isDisabled());
});

test('a catalog file loaded from disk is previewed as a diff, then applied', async () => {
  const { page } = admin;
  await page.getByLabel('Load a file').setInputFiles({ name: 'catalog-info.yaml', mimeType: 'application/yaml', buffer: Buffer.from(fixture) });
  await page.getByRole('status').filter({ hasText: 'Loaded catalog-info.yaml' }).waitFor();
  assert.equal(await page.getByLabel('catalog-info.yaml').inputValue(), fixture);
  assert.equal(await page.locator('.import-error').count(), 0, 'the last problem went with the text it was about');

  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: 'Preview' });
  // The team's Group, which Portico made with the team, is taken over by the file: changed, not added.
  await preview.getByRole('status').filter({ hasText: `would add ${DOCUMENTS - 1}, change 1 and remove 0 entities` }).waitFor();
  const added = preview.getByRole('region', { name: `To add (${DOCUMENTS - 1})` });
  for (const ref of [`component:checkout-${stamp}`, `resource:orders-db-${stamp}`, `api:payments-api-${stamp}`]) {
    await added.getByText(ref, { exact: true }).waitFor();
  }
  await preview.getByRole('region', { name: 'To change (1)' }).getByText(`group:${team}`, { exact: true }).waitFor();
  await screenshot(page, 'catalog-import');
  await page.setViewportSize(NARROW);
  await screenshot(page, 'catalog-import');
  await page.setViewportSize(WIDE);

  await page.getByRole('button', { name: 'Apply' }).click();
  const done = page.getByRole('region', { name: 'Imported' });
  await done.getByRole('status').filter({ hasText: `Imported: ${DOCUMENTS - 1} added, 1 changed, 0 removed, 0 unchanged.` }).waitFor();
  await done.getByRole('link', { name: `component:checkout-${stamp}` }).waitFor();
  assert.equal(await preview.count(), 0, 'the preview gave way to the result');

  // The same file again: nothing would change, and there is nothing to apply.
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('region', { name: 'Preview' }).getByText(`Nothing would change: all ${DOCUMENTS} entities are as the catalog has them.`).waitFor();
  assert.ok(await page.getByRole('button', { name: 'Apply' }).isDisabled());
});

test('a search finds the entities, facets count them and narrow the search, in the address', async () => {
  const { page } = admin;
  await catalogNav(page).getByRole('link', { name: 'Browse' }).click();
  await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
  await page.getByLabel('Search', { exact: true }).fill(stamp);
  await page.getByLabel('Search', { exact: true }).press('Enter');
  await page.waitForURL(new RegExp(`/catalog\\?q=${stamp}$`));
  await page.getByRole('heading', { name: `${DOCUMENTS} entities` }).waitFor();

  for (const [name, values] of Object.entries({
    Kind: ['Component 5', 'Resource 3', 'Group 2', 'API 1', 'Domain 1', 'System 1', 'User 1'],
    Type: ['service 3', 'database 2', 'website 1', 'library 1', 'openapi 1'],
    Lifecycle: ['production 4', 'experimental 1', 'deprecated 1'],
    Owner: [`${team} 8`, `platform-${stamp} 3`],
    Tag: ['go 2', 'java 2', 'payments 2', 'orders 1', 'typescript 1', 'web 1'],
  })) {
    for (const v of values) await facet(page, name).getByRole('link', { name: v, exact: true }).waitFor();
  }
  await facet(page, 'Type').getByText('(none) 3').waitFor();

  await facet(page, 'Kind').getByRole('link', { name: 'Component 5' }).click();
  await page.waitForURL(/kind=Component/);
  await page.getByRole('heading', { name: '5 entities' }).waitFor();
  await facet(page, 'Kind').getByRole('link', { name: 'Component 5 (in use: select to remove)' }).waitFor();
  await facet(page, 'Owner').getByRole('link', { name: `${team} 4` }).click();
  await page.getByRole('heading', { name: '4 entities' }).waitFor();
  await facet(page, 'Tag').getByRole('link', { name: 'java 2' }).click();   // checkout and receipts
  await page.waitForURL(/tag=java/);
  await page.getByRole('heading', { name: '2 entities' }).waitFor();
  await page.getByRole('link', { name: 'Remove filter Tag java' }).click();
  await page.waitForURL((url) => !url.search.includes('tag='));
  await page.getByRole('heading', { name: '4 entities' }).waitFor();
  await page.getByRole('heading', { name: '4 entities' }).waitFor();
  assert.match(page.url(), new RegExp(`owner=group%3Adefault%2F${team}`));
  const rows = page.getByRole('region', { name: 'Catalog entities' }).getByRole('row');
  assert.equal(await rows.count(), 5, 'a header and four rows');
  assert.match(await rows.filter({ hasText: `checkout-${stamp}` }).textContent(),
    new RegExp(`Component.*default/checkout-${stamp}.*Checkout.*${team}.*service.*production`));

  // The address is the search: opened afresh, it shows the same.
  await page.goto(page.url());
  await page.getByRole('heading', { name: '4 entities' }).waitFor();
  assert.equal(await page.getByLabel('Search', { exact: true }).inputValue(), stamp);
  await page.getByRole('link', { name: `Remove filter Kind Component` }).click();
  await page.getByRole('heading', { name: '8 entities' }).waitFor();
  await page.getByRole('link', { name: 'Clear all' }).click();
  await page.waitForURL(/\/catalog$/);
});

test('More loads the next page and the keyboard carries on from its first row', async () => {
  const { page } = admin;
  await page.goto(`${base}/catalog?q=${stamp}&limit=10`);
  await page.getByRole('heading', { name: `${DOCUMENTS} entities` }).waitFor();
  const table = page.getByRole('region', { name: 'Catalog entities' });
  assert.equal(await table.getByRole('row').count(), 11);
  await page.getByRole('status').filter({ hasText: `Showing 10 of ${DOCUMENTS}.` }).waitFor();
  await page.getByRole('button', { name: 'More' }).click();
  await page.getByRole('status').filter({ hasText: `Showing ${DOCUMENTS} of ${DOCUMENTS}.` }).waitFor();
  assert.equal(await table.getByRole('row').count(), DOCUMENTS + 1);
  assert.equal(await page.getByRole('button', { name: 'More' }).count(), 0, 'no page after the last');
  assert.ok(await page.evaluate(() => document.activeElement.closest('tr') === document.querySelectorAll('tbody tr')[10]),
    'focus is on the first row that More brought');
});

test('"My services" is what the teams one is in own', async () => {
  const { page } = admin;
  await page.goto(`${base}/catalog?q=${stamp}`);
  await page.getByRole('heading', { name: `${DOCUMENTS} entities` }).waitFor();
  // the toggle says how many of the matches are mine before it is used
  assert.equal(await page.locator('label.toggle').filter({ hasText: 'Owned by my teams' }).locator('.count').textContent(), '9');
  await page.getByLabel('Owned by my teams').check();
  await page.waitForURL(/mine=true/);
  await page.getByRole('heading', { name: 'My services', level: 1 }).waitFor();
  // the eight entities the Group owns, and the Group itself (it is its team's)
  await page.getByRole('heading', { name: '9 entities' }).waitFor();
  await page.getByRole('row').filter({ hasText: `default/${team}` }).waitFor();
  assert.equal(await page.getByRole('row').filter({ hasText: `ledger-${stamp}` }).count(), 0, 'the other team\'s are not mine');
  assert.equal(await catalogNav(page).getByRole('link', { name: 'My services' }).getAttribute('aria-current'), 'page');
  assert.ok(await page.getByLabel('Owned by my teams').evaluate((el) => el === document.activeElement), 'the toggle keeps the focus');
  await screenshot(page, 'catalog-browser');
  await page.setViewportSize(NARROW);
  await screenshot(page, 'catalog-browser');
  await page.setViewportSize(WIDE);
  await page.getByLabel('Owned by my teams').uncheck();
  await page.getByRole('heading', { name: `${DOCUMENTS} entities` }).waitFor();
});

test('an entity shows its owner, links, relations and document', async () => {
  const { page } = admin;
  await page.getByRole('link', { name: `default/checkout-${stamp}` }).click();
  await page.getByRole('heading', { name: 'Checkout', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/catalog/entity/component/default/checkout-${stamp}`);
  const overview = page.getByRole('region', { name: 'Overview' });
  await overview.getByText('Takes the basket, the address and the payment.').waitFor();
  await overview.getByRole('link', { name: team, exact: true }).waitFor();
  await overview.getByRole('link', { name: `system:shop-${stamp}` }).waitFor();
  await overview.getByRole('link', { name: 'orders', exact: true }).waitFor();
  await overview.getByText('pci=false').waitFor();
  await page.getByRole('region', { name: 'Links' }).getByRole('link', { name: 'Runbook' }).waitFor();

  const relations = page.getByRole('region', { name: 'Relations' });
  const dependsOn = relations.getByRole('region', { name: 'Depends on' });
  for (const name of [`component:payments-${stamp}`, `resource:orders-db-${stamp}`, `resource:cache-${stamp}`]) {
    await dependsOn.getByRole('link', { name }).waitFor();
  }
  for (const name of [`component:storefront-${stamp}`, `component:ledger-${stamp}`]) {
    await relations.getByRole('region', { name: 'Dependency of' }).getByRole('link', { name }).waitFor();
  }
  await relations.getByRole('region', { name: 'Owned by' }).getByRole('link', { name: `group:${team}` }).waitFor();

  const yaml = page.getByRole('region', { name: /The document of .* as YAML/ });
  assert.match(await yaml.textContent(), new RegExp(`^apiVersion: backstage\\.io/v1alpha1\\nkind: Component\\nmetadata:\\n  name: checkout-${stamp}\\n[\\s\\S]*  description: \\|\\n    Takes the basket`));
  await page.getByRole('radio', { name: 'JSON' }).check();
  const json = JSON.parse(await page.getByRole('region', { name: /The document of .* as JSON/ }).textContent());
  assert.equal(json.metadata.name, `checkout-${stamp}`);
  await page.getByRole('radio', { name: 'YAML' }).check();
  await yaml.waitFor();
});

test('the dependency graph is a picture with a marked cycle, a dangling ref, a depth and a direction', async () => {
  const { page } = admin;
  const graph = page.getByRole('group', { name: /^What it depends on: Checkout, to depth 3/ });
  await graph.waitFor();
  const svg = page.locator('svg.graph');
  // checkout; payments, orders-db, cache; ledger, payments-db, fx-rates (not in the catalog)
  assert.equal(await svg.locator('.node').count(), 7);
  assert.equal(await svg.locator('.node.dangling').count(), 1);
  assert.equal(await svg.locator('.node.dangling').getAttribute('data-ref'), `resource:default/fx-rates-${stamp}`);
  assert.equal(await svg.locator('.node.dangling').getByRole('link').count(), 0, 'a dangling ref leads nowhere');
  const cycle = svg.locator('.edge.cycle');
  assert.equal(await cycle.count(), 1, 'ledger -> checkout closes the cycle');
  assert.match(await cycle.locator('title').textContent(), new RegExp(`ledger-${stamp} depends on component:checkout-${stamp}: this closes a cycle`));
  assert.equal(await cycle.locator('text').textContent(), 'cycle');
  assert.equal(await cycle.locator('path').evaluate((p) => getComputedStyle(p).strokeDasharray), '6px, 4px', 'a cycle edge is drawn dashed');
  assert.ok(await svg.locator('.edge path').count() >= 7);
  await page.getByRole('status').filter({ hasText: '6 entities it depends on within 3 steps; 1 dependency closes a cycle; 1 not in the catalog.' }).waitFor();
  await screenshot(page, 'catalog-entity');
  await page.setViewportSize(NARROW);
  await screenshot(page, 'catalog-entity');
  await page.setViewportSize(WIDE);

  await page.getByLabel('Depth', { exact: true }).selectOption('1');
  await page.waitForURL(/depth=1/);
  await page.getByRole('group', { name: /to depth 1$/ }).waitFor();
  assert.equal(await svg.locator('.node').count(), 4);
  assert.equal(await svg.locator('.edge.cycle').count(), 0);

  await page.getByLabel('Upstream: what breaks if it goes down').check();
  await page.getByRole('group', { name: /^What depends on it: Checkout, to depth 1$/ }).waitFor();
  await svg.getByRole('link', { name: `component:storefront-${stamp}` }).waitFor();
  await svg.getByRole('link', { name: `component:ledger-${stamp}` }).waitFor();
  assert.equal(await svg.locator('.node').count(), 3);
  assert.match(page.url(), /depth=1&direction=upstream/);

  // The graph's boxes are links the keyboard reaches; Enter opens the entity.
  await page.getByLabel('Downstream: what it depends on').check();
  await page.getByRole('group', { name: /^What it depends on/ }).waitFor();
  const payments = svg.getByRole('link', { name: `component:payments-${stamp}` });
  await payments.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
  const dangling = page.getByRole('region', { name: 'Depends on' }).getByRole('listitem').filter({ hasText: `fx-rates-${stamp}` });
  assert.match(await dangling.textContent(), /not in the catalog/);
  assert.equal(await dangling.getByRole('link').count(), 0);
  await page.getByRole('region', { name: 'Provides API' }).getByRole('link', { name: `api:payments-api-${stamp}` }).waitFor();
});

test('an entity shows its running instances and their health, or that there are none', async () => {
  const { page } = admin;
  const path = `/catalog/entities/component/default/payments-${stamp}/instances`;
  const registered = await apiChange(page, 'PUT', `${path}/production/pay-1`,
    { url: 'https://pay-1.example.com', version: '1.4.0', region: 'eu-west', ttl_seconds: 600 });
  await page.reload();
  await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
  const instances = page.getByRole('region', { name: 'Instances', exact: true });
  if ([404, 405].includes(registered.status())) {
    // A Portico without the instances API yet: the page says there are none.
    await instances.getByText('No instances are registered.').waitFor();
    return;
  }
  assert.ok(registered.ok(), await registered.text());
  const row = instances.getByRole('row').filter({ hasText: 'pay-1' });
  assert.match(await row.textContent(), /production.*pay-1.*https:\/\/pay-1\.example\.com.*1\.4\.0.*eu-west.*passing.*\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d/);
  await instances.getByText('1 instance: 1 passing, 0 not (a heartbeat late, or a health check failing).').waitFor();
  await apiChange(page, 'DELETE', `${path}/production/pay-1`);
});

test('no console errors on any catalog page', async () => {
  assert.deepEqual(admin.problems, []);
});
