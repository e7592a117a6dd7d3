// Browser test: the page at / renders under the real web server and its security headers
// (the Content-Security-Policy forbids inline script, so a broken page shows up here), asks
// the API whether Portico is ready and says so; portal paths fall back to the same page.
// Drives Debian's Chromium through playwright-core (no browser download).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.PORTICO_TEST_URL;
let browser;

before(async () => {
  assert.ok(base, 'PORTICO_TEST_URL is set (dev.sh test does it)');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

async function openPage(path) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  const response = await page.goto(base + path);
  return { page, response, problems };
}

test('the placeholder page shows that Portico is ready', async () => {
  const { page, response, problems } = await openPage('/');
  assert.equal(response.status(), 200);
  assert.equal(await page.title(), 'Portico');
  const status = page.getByRole('status');
  await status.filter({ hasText: 'Ready' }).waitFor({ timeout: 10000 });
  assert.match(await status.textContent(), /^Ready: schema at migration \d+\.$/);
  assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
  await page.close();
});

test('a portal path that is not a file is the single-page app', async () => {
  const { page, response, problems } = await openPage('/catalog/default/component/payments');
  assert.equal(response.status(), 200);
  assert.equal(await page.title(), 'Portico');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the API answers problem+json to a browser too, never an HTML error page', async () => {
  const { page, response } = await openPage('/api/v1/nosuch/thing');
  assert.equal(response.status(), 404);
  assert.match(response.headers()['content-type'], /^application\/problem\+json/);
  const body = JSON.parse(await response.text());
  assert.equal(body.status, 404);
  await page.close();
});
