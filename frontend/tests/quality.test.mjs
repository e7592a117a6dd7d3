// Browser tests of the portal's quality, each the fault a newcomer met (issue 13): one date
// format (local time, UTC on hover) in a time zone that is not UTC; wide tables that keep their
// actions on the screen at 1280 px and become cards at 390 px; problems in words (headings,
// field errors, refusals), and the message on a secret's page after a save. Names carry a stamp,
// so the file runs on a fresh database and again on the same one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, makeTeamAndJoin, openPage, screenshot } from './browser.mjs';

const stamp = `q${Date.now().toString(36)}`;
const team = `qual-${stamp}`;
const ZONE = 'Asia/Kolkata';   // UTC+05:30: a local time that differs from UTC in hours and minutes

let browser;
let admin;   // the administrator, in ZONE

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser, { timezoneId: ZONE });
  await logIn(admin.page, 'admin', adminPassword);
  await makeTeamAndJoin(admin.page, team, 'Quality team');
});
after(async () => { await browser?.close(); });

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// What the portal should show for an RFC 3339 time in ZONE, worked out here without the portal.
function expectedLocal(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${Number(parts.day)} ${MONTHS[Number(parts.month) - 1]} ${parts.year}, ${parts.hour}:${parts.minute}`;
}
const expectedUtc = (iso) => `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

// Every time shown on the page: its text, datetime and title.
const timesOn = (page) => page.locator('main time').evaluateAll((els) => els.map((t) => ({ text: t.textContent, at: t.dateTime, title: t.title })));

async function bothWidths(page, name, check) {
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    if (check) await check(viewport);
    await screenshot(page, name);
  }
  await page.setViewportSize(WIDE);
}

test('every time is the local time in one format, with the UTC time on hover', async () => {
  const { page } = admin;
  const path = `team/${team}/dates`;
  const made = await apiChange(page, 'PUT', `/secrets/data/${path}`, { value: 'v1', cas: 0 });
  assert.ok(made.ok(), await made.text());
  const meta = await (await page.request.get(`${base}/api/v1/secrets/metadata/${path}`)).json();

  await page.goto(`${base}/secrets/${path}`);
  await page.getByRole('heading', { name: 'dates', level: 1 }).waitFor();
  const created = page.getByRole('region', { name: 'Overview' }).locator(`time[datetime="${meta.created_at}"]`);
  assert.equal(await created.textContent(), expectedLocal(meta.created_at), 'the local time in ZONE, as "2 Dec 2026, 14:05"');
  assert.equal(await created.getAttribute('title'), expectedUtc(meta.created_at), 'the UTC time on hover');
  assert.notEqual(expectedLocal(meta.created_at).slice(-5), expectedUtc(meta.created_at).slice(11, 16), 'ZONE is not UTC');

  // The same one format on every page with times; none in the old "2026-12-02 13:05:07 UTC".
  const pages = { 'dates-secret': `/secrets/${path}`, 'dates-secrets': `/secrets?prefix=team/${team}/`, 'dates-audit': '/audit?limit=50',
    'dates-users': '/admin/users', 'dates-tokens': '/account/tokens' };
  for (const [name, address] of Object.entries(pages)) {
    await page.goto(base + address);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    const times = await timesOn(page);
    if (name !== 'dates-tokens') assert.ok(times.length > 0, `${address} shows times`);
    for (const t of times) {
      assert.equal(t.text, expectedLocal(t.at), `${address}: ${t.at} as local time`);
      assert.equal(t.title, expectedUtc(t.at), `${address}: ${t.at} in UTC on hover`);
    }
    assert.doesNotMatch(await page.getByRole('main').innerText(), /\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)? ?(UTC|Z)/, `${address} has no UTC-formatted time`);
    await bothWidths(page, name);
  }
});
