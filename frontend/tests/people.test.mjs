// Browser tests of people and access, as a story told in order: the built-in binding that lets
// team members read the catalog; a user's page and its edit; a password reset through to the forced
// change at the person's first login; a team's page, its rename, and its delete refused then allowed;
// a team shown as its Group in the catalog, whose members link to their pages. Names carry a stamp,
// so the story runs on a fresh database and again on the same one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, openPage, screenshot } from './browser.mjs';

const stamp = Date.now().toString(36);
const team = `crew-${stamp}`;
const person = `pat-${stamp}`;
const personPassword = `pw-${stamp}-long-enough`;

let browser;
let admin;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
  await logIn(admin.page, 'admin', adminPassword);
});
after(async () => { await browser?.close(); });

const adminNav = (page) => page.getByRole('navigation', { name: 'Admin' });

test('the bindings page lists the built-in binding that lets every team member read the catalog', async () => {
  const { page } = admin;
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await page.goto(`${base}/admin/bindings`);
    const row = page.getByRole('row').filter({ hasText: 'every member of any team' }).filter({ hasText: 'catalog-reader' });
    await row.getByText('built-in').waitFor();
    assert.match(await row.textContent(), /global/);
    await row.getByRole('button', { name: 'Remove catalog-reader of every member of any team' }).waitFor();
    await screenshot(page, 'bindings-builtin');
  }
  await page.setViewportSize(WIDE);
  assert.deepEqual(admin.problems, []);
});
