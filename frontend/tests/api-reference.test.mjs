// Browser tests of the API reference (/docs/api): reached from the footer of every page, it shows
// every operation of the document the web server serves at /api/v1/openapi.json, by area, with
// method, path, summary, permission and who holds it, and description; the search narrows them
// (and is kept in the address); the raw document is linked. At 1280 and 390 px, with screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, base, launch, logIn, openPage, screenshot } from './browser.mjs';

let browser;
let doc;
let operations;
before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  const res = await fetch(`${base}/api/v1/openapi.json`);
  assert.equal(res.status, 200);
  doc = await res.json();
  operations = Object.values(doc.paths).flatMap((item) => Object.keys(item)).length;
});
after(async () => { await browser?.close(); });

const status = (page) => page.getByRole('main').getByRole('status').filter({ hasText: /operations/ });

for (const viewport of [WIDE, NARROW]) {
  test(`the API reference at ${viewport.width} px: every operation by area, searchable, the raw document linked`, async () => {
    const { context, page, problems } = await openPage(browser, { viewport });
    await logIn(page, 'admin', adminPassword, '/catalog');
    await page.getByRole('contentinfo').getByRole('link', { name: 'API reference' }).click();
    await page.getByRole('heading', { name: 'API reference', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/docs/api');
    await status(page).filter({ hasText: `${operations} operations in` }).waitFor();

    // an area, and one operation in full: method, path, summary, permission and its holders
    const catalog = page.getByRole('region', { name: /^Catalog/ });
    await catalog.getByRole('heading', { name: 'Catalog', exact: false, level: 2 }).waitFor();
    const register = catalog.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Register a location', exact: true }) });
    assert.match(await register.textContent(), /POST\s*\/api\/v1\/catalog\/locations/);
    assert.match(await register.textContent(), /catalog\.location\.write — held by the built-in roles maintainer, admin/);
    assert.match(await register.textContent(), /interval_seconds/, 'the description is there');
    assert.match(await register.textContent(), /OperationcreateCatalogLocations/);
    // the body it takes and the answer it gives, member by member, from the route row's shapes
    assert.match(await register.textContent(), /Bodyapplication\/json.*target text, 1 to 1000 bytes.*interval_seconds whole number, 10 to 86400 \(optional\)/s);
    assert.match(await register.textContent(), /Answer201, application\/json, a Location.*next_sync_at text \(optional\).*orphans whole number/s);
    const liveness = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Liveness', exact: true }) });
    assert.match(await liveness.textContent(), /Answer200, application\/json, a Status\s*status text/);
    // a list's query parameters, from its route row: the limit's bounds, a choice, a cursor
    const search = catalog.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Search entities', exact: true }) });
    assert.match(await search.textContent(), /In the querylimit \(1 to 500, default 50\), cursor, q \(up to 200 characters\)/);
    assert.match(await search.textContent(), /mine \(true or false\)/);
    const graph = catalog.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Dependency graph', exact: true }) });
    assert.match(await graph.textContent(), /direction \(downstream or upstream\), depth \(1 to 6, default 3\)/);
    const health = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Liveness', exact: true }) });
    assert.match(await health.textContent(), /Public: no login needed\./);
    const roles = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Create a custom role', exact: true }) });
    assert.match(await roles.textContent(), /iam\.role\.write — held by the built-in role admin.*only from a global binding/);
    // the areas' links lead to their sections
    await page.getByRole('navigation', { name: 'API areas' }).getByRole('link', { name: /^Secrets/ }).click();
    assert.equal(new URL(page.url()).hash, '#area-secrets');
    // nothing is wider than the screen, with every operation shown
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');

    // the search narrows to the operations holding every word, and is kept in the address
    const box = page.getByRole('searchbox', { name: 'Search operations' });
    await box.fill('secrets reveal');
    await status(page).filter({ hasText: `of ${operations} operations match` }).waitFor();
    const shown = page.locator('.operation');
    const n = await shown.count();
    assert.ok(n >= 1 && n < operations, `a few operations match (${n})`);
    for (const text of await shown.allTextContents()) assert.match(text.toLowerCase(), /secrets.*reveal|reveal.*secrets/s);
    await page.getByRole('heading', { name: 'Reveal a value', exact: true }).waitFor();
    assert.equal(await page.getByRole('region', { name: /^Catalog/ }).count(), 0, 'areas with no match are left out');
    assert.equal(new URL(page.url()).searchParams.get('q'), 'secrets reveal');
    await screenshot(page, 'api-reference');
    await page.reload();
    assert.equal(await page.getByRole('searchbox', { name: 'Search operations' }).inputValue(), 'secrets reveal', 'a search can be linked');
    await status(page).filter({ hasText: `${n} of ${operations} operations match` }).waitFor();

    await page.getByRole('searchbox', { name: 'Search operations' }).fill('no-such-operation-anywhere');
    await page.getByText('No operation matches “no-such-operation-anywhere”.').waitFor();
    await screenshot(page, 'api-reference-no-match');
    await page.getByRole('button', { name: 'Show every operation' }).click();
    await status(page).filter({ hasText: `${operations} operations in` }).waitFor();

    // the raw document: the link, and what it answers
    const raw = page.getByRole('link', { name: '/api/v1/openapi.json' });
    assert.equal(await raw.getAttribute('href'), '/api/v1/openapi.json');
    const answer = await page.request.get(`${base}/api/v1/openapi.json`);
    assert.match(answer.headers()['content-type'], /^application\/json/);
    assert.equal((await answer.json()).openapi, doc.openapi);

    assert.deepEqual(problems, []);
    await context.close();
  });
}
