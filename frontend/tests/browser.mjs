// Shared by the browser tests: Debian's Chromium through playwright-core (no browser
// download), pages that record console errors, logging in, and screenshots.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const base = process.env.PORTICO_TEST_URL;
export const adminPassword = process.env.PORTICO_TEST_ADMIN_PASSWORD;
export const WIDE = { width: 1280, height: 860 };
export const NARROW = { width: 390, height: 844 };
const SCREENSHOTS = fileURLToPath(new URL('../../var/artifacts/screenshots/', import.meta.url));

export async function launch() {
  assert.ok(base, 'PORTICO_TEST_URL is set (dev.sh test does it)');
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A new browser context (its own cookies) and page. `problems` collects uncaught errors and
 * console errors; Chromium also logs every API answer of 4xx as a console error ("Failed to load
 * resource"), which the portal meets on purpose (401 before login, 403 for a refused page), so
 * those are kept apart in `httpErrors`. `timezoneId` runs the page in that time zone
 * ("Asia/Kolkata"); the default is the machine's.
 */
export async function openPage(browser, { viewport = WIDE, timezoneId } = {}) {
  const context = await browser.newContext({ viewport, ...(timezoneId ? { timezoneId } : {}) });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const problems = [];
  const httpErrors = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) httpErrors.push(m.text());
    else problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { context, page, problems, httpErrors };
}

/** Log in through the form at `path` (the login page appears wherever one is not logged in). */
export async function logIn(page, username, password, path = '/') {
  await page.goto(base + path);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('button', { name: `Account of ${username}` }).waitFor();
}

/**
 * A change through the API, as the portal makes it: the session's cookie and its CSRF token. An
 * object is sent as JSON; a body of another type (a template's XML, a catalog's YAML) names it.
 */
export async function apiChange(page, method, path, data, type) {
  const session = await (await page.request.get(`${base}/api/v1/auth/session`)).json();
  const headers = { 'X-CSRF-Token': session.csrf_token, ...(type ? { 'Content-Type': type } : {}) };
  return page.request.fetch(`${base}/api/v1${path}`, { method, data, headers });
}

/** The portal's main and Admin navigations. */
export const mainNav = (page) => page.getByRole('navigation', { name: 'Main' });
export const adminNav = (page) => page.getByRole('navigation', { name: 'Admin' });

/** Through the API: a new team, and the logged-in user in it. */
export async function makeTeamAndJoin(page, name, displayName) {
  const created = await apiChange(page, 'POST', '/iam/teams', { name, display_name: displayName });
  assert.equal(created.status(), 201, await created.text());
  const me = await (await page.request.get(`${base}/api/v1/auth/session`)).json();
  const joined = await apiChange(page, 'PUT', `/iam/teams/${name}/members/${me.user.id}`);
  assert.ok(joined.ok(), await joined.text());
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const { width } = page.viewportSize();
  await page.screenshot({ path: `${SCREENSHOTS}${name}-${width}.png`, fullPage: true });
}

/** The page at 1280 px and at 390 px (a phone); the page is left at 1280. */
export async function screenshots(page, name) {
  await screenshot(page, name);
  await page.setViewportSize(NARROW);
  await screenshot(page, name);
  await page.setViewportSize(WIDE);
}
