// Browser tests of the platform's status page (/status): reached from every page's footer, it
// says whether Portico is well — the database, the runner (dev.sh runs one in --loop for the
// browser suites), the queue, and each area's processes — at 1280 and 390 px, with screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, launch, logIn, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
});
after(async () => { await browser?.close(); });

for (const viewport of [WIDE, NARROW]) {
  test(`the status page at ${viewport.width} px: database, runner, queue and areas`, async () => {
    const { context, page, problems } = await openPage(browser, { viewport });
    await logIn(page, 'admin', adminPassword, '/catalog');
    await page.getByRole('contentinfo').getByRole('link', { name: 'Platform status' }).click();
    await page.getByRole('heading', { name: 'Platform status', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/status');
    const main = page.getByRole('main');
    await main.getByRole('status').filter({ hasText: 'Portico is Operational' }).waitFor();
    const db = main.getByRole('region', { name: 'Database' });
    assert.match(await db.textContent(), /StateOperational/);
    assert.match(await db.textContent(), /Round trip\d+\.\d ms/);
    assert.match(await db.textContent(), /Schemamigration (\d+) \(this build needs \1\)/);
    const runner = main.getByRole('region', { name: 'Runner' });
    assert.match(await runner.textContent(), /StateOperational/);
    assert.match(await runner.textContent(), /Hosts with a runner heard from \(3 min\)[1-9]/);
    const queue = main.getByRole('region', { name: 'Queue' });
    assert.match(await queue.textContent(), /Jobs queued\d+ \(\d+ due now\)/);
    // every area's pool, counted from the processes' metrics slots
    const areas = main.getByRole('region', { name: 'Processes by area' });
    for (const area of ['catalog', 'system', 'auth']) {
      const row = areas.getByRole('row').filter({ has: page.getByRole('cell', { name: area, exact: true }) });
      assert.match(await row.textContent(), new RegExp(`${area}[1-9]`));
    }
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await screenshot(page, 'status');
    assert.deepEqual(problems, []);
    await context.close();
  });
}
