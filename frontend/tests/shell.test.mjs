// Browser tests of the portal's shell, logged out: it renders under the real web server and its
// Content-Security-Policy (no inline script or style, so a broken build shows up here) and
// reports readiness; portal paths fall back to it; the API answers a browser with problem+json;
// a refused login is explained next to the form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { base, launch, openPage } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the login page renders under the Content-Security-Policy and shows that Portico is ready', async () => {
  const { context, page, problems, httpErrors } = await openPage(browser);
  const response = await page.goto(`${base}/`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  await page.getByRole('heading', { name: 'Log in to Portico' }).waitFor();
  assert.match(await page.title(), /Portico$/);
  const status = page.getByRole('contentinfo').getByRole('status');
  await status.filter({ hasText: 'Ready' }).waitFor({ timeout: 10000 });
  assert.match(await status.textContent(), /^Ready: schema at migration \d+\.$/);
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
  assert.deepEqual(httpErrors, [], 'a visitor who never logged in is not sent to the API for a session');
  await context.close();
});

test('a portal path that is not a file is the single-page app', async () => {
  const { context, page, problems } = await openPage(browser);
  const response = await page.goto(`${base}/catalog/default/component/payments`);
  assert.equal(response.status(), 200);
  await page.getByRole('heading', { name: 'Log in to Portico' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('the API answers problem+json to a browser too, never an HTML error page', async () => {
  const { context, page } = await openPage(browser);
  const response = await page.goto(`${base}/api/v1/nosuch/thing`);
  assert.equal(response.status(), 404);
  assert.match(response.headers()['content-type'], /^application\/problem\+json/);
  const body = JSON.parse(await response.text());
  assert.equal(body.status, 404);
  await context.close();
});

test('a refused login is explained next to the form, which submits with Enter', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${base}/`);
  // An account that does not exist: the failure counts against no real account.
  await page.getByLabel('Username or email').fill(`nobody-${Date.now()}`);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByLabel('Password').press('Enter');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /The username or password is wrong\./);
  assert.deepEqual(problems, []);
  await context.close();
});
