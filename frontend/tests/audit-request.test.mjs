// Browser tests of "what happened to a request" (/audit/requests/<id>): found from the audit
// log by its X-Request-Id, it shows the request's audit events and its log line with the trace
// the caller sent (W3C traceparent); an unknown id says so. At 1280 and 390 px, with screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
});
after(async () => { await browser?.close(); });

for (const viewport of [WIDE, NARROW]) {
  test(`a request's events, trace and log line at ${viewport.width} px`, async () => {
    const { context, page, problems } = await openPage(browser, { viewport });
    await logIn(page, 'admin', adminPassword, '/audit');
    // a change made with a traceparent, as a client in a traced system sends it
    const session = await (await page.request.get(`${base}/api/v1/auth/session`)).json();
    const team = `trace${viewport.width}${Date.now() % 100000}`;
    const made = await page.request.post(`${base}/api/v1/iam/teams`, {
      data: { name: team },
      headers: { 'X-CSRF-Token': session.csrf_token, traceparent: '00-5e2b5c1f0a9d4f7e8c3b2a1908070605-1a2b3c4d5e6f7081-01' },
    });
    assert.equal(made.status(), 201, await made.text());
    const id = made.headers()['x-request-id'];
    assert.match(id, /^[0-9a-f]{32}$/);

    await page.getByRole('textbox', { name: 'Request id' }).fill(id);
    await page.getByRole('button', { name: 'Find the request' }).click();
    await page.getByRole('heading', { name: 'What happened to a request', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/audit/requests/${id}`);
    const main = page.getByRole('main');
    await main.getByText('5e2b5c1f0a9d4f7e8c3b2a1908070605').waitFor();
    const events = main.getByRole('region', { name: 'Audit events of the request' });
    assert.match(await events.textContent(), /iam\.team\.create/);
    assert.match(await events.textContent(), new RegExp(team));
    const log = main.getByRole('region', { name: 'Log lines of the request and its trace' });
    const own = log.getByRole('row').filter({ hasText: 'this one' });
    assert.match(await own.textContent(), /POST \/api\/v1\/iam\/teams/);
    assert.match(await own.textContent(), /201/);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await screenshot(page, 'audit-request');

    // from an event of the audit log to its request
    await page.goto(`${base}/audit?action=iam.team.create`);
    await page.getByRole('link', { name: `What happened to request ${id}` }).click();
    await page.getByRole('heading', { name: 'What happened to a request', level: 1 }).waitFor();

    // an id nothing names
    await page.goto(`${base}/audit/requests/ffffffffffffffffffffffffffffffff`);
    await main.getByText(/nothing is known of request ffffffffffffffffffffffffffffffff/i).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });
}
