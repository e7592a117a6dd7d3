// Browser tests of the portal's quality, each the fault a newcomer met (issue 13): one date
// format (local time, UTC on hover) in a time zone that is not UTC; wide tables that keep their
// actions on the screen at 1280 px and become cards at 390 px; problems in words (headings,
// field errors, refusals), and the message on a secret's page after a save. Names carry a stamp,
// so the file runs on a fresh database and again on the same one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, mainNav, makeTeamAndJoin, openPage, screenshot } from './browser.mjs';

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

// ---- Fault 1: wide tables keep their actions on the screen, and become cards on a phone -------

const template = `wide-${stamp}`;
const XML = `<?xml version="1.0"?>
<template xmlns="urn:portico:template:1" name="${template}" version="1.0.0">
  <title>Wide ${stamp}</title>
  <description>A noop template for the table tests.</description>
  <owner team="${team}"/>
  <parameters>
    <parameter name="name" type="string" required="true" pattern="[a-z][a-z0-9-]{2,40}">
      <label>Name</label><help>Lower-case letters, digits and -, starting with a letter.</help>
    </parameter>
    <parameter name="code" type="string" pattern="[A-Z]{3}">
      <label>Code</label>
    </parameter>
  </parameters>
  <policy>
    <environments><environment>dev</environment><environment>production-eu-west</environment></environments>
    <approvals environment="production-eu-west" count="1" role="maintainer"/>
    <ttl default-days="7" max-days="30"/>
  </policy>
  <steps><step name="hello" driver="noop"><arg name="message">hello {{name}}</arg></step></steps>
</template>
`;
const maintainer = { username: `maint-${stamp}`, password: `pw-${stamp}-long-enough` };

let tablesReady = false;
async function tablesData() {
  if (tablesReady) return;
  const { page } = admin;
  const created = await apiChange(page, 'POST', '/templates', XML, 'application/xml');
  assert.equal(created.status(), 201, await created.text());
  const published = await apiChange(page, 'POST', `/templates/${template}/versions/1.0.0/publish`, '', 'application/json');
  assert.equal(published.status(), 200, await published.text());
  for (const [environment, name] of [['dev', `resource-of-${stamp}`], ['production-eu-west', `waiting-one-${stamp}`],
    ['production-eu-west', `waiting-two-${stamp}`]]) {
    const asked = await apiChange(page, 'POST', '/provision/requests',
      { template, version: '1.0.0', environment, team, parameters: { name }, ttl_days: 7 });
    assert.ok(asked.ok(), await asked.text());
  }
  const made = await apiChange(page, 'POST', '/iam/users', { username: maintainer.username, display_name: 'Maintainer', kind: 'human', password: maintainer.password });
  assert.equal(made.status(), 201, await made.text());
  const bound = await apiChange(page, 'POST', '/iam/bindings',
    { subject_type: 'user', subject: maintainer.username, role: 'maintainer', scope_type: 'team', scope_id: team });
  assert.equal(bound.status(), 201, await bound.text());
  const yaml = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a-component-with-a-long-name-${stamp}
  title: A component whose title is long enough to need more than one line in a narrow column
spec:
  type: service
  lifecycle: production
  owner: group:default/${team}
`;
  const imported = await apiChange(page, 'POST', '/catalog/import', yaml, 'application/yaml');
  assert.ok(imported.ok(), await imported.text());
  const secret = await apiChange(page, 'PUT', `/secrets/data/team/${team}/production-eu-west/a-rather-long-secret-name-${stamp}`, { value: 'x', cas: 0 });
  assert.ok(secret.ok(), await secret.text());
  tablesReady = true;
}

// Whether the element lies inside the viewport and inside the table's frame (not scrolled out
// of it): its bounding box against both, with the frame at its start.
async function onScreen(page, locator) {
  await locator.evaluate((el) => { el.closest('.table-wrap').scrollLeft = 0; });
  const box = await locator.boundingBox();
  const frame = await locator.evaluate((el) => {
    const r = el.closest('.table-wrap').getBoundingClientRect();
    return { x: r.x, width: r.width };
  });
  const { width } = page.viewportSize();
  return box !== null && box.width > 0 && box.x >= 0 && box.x + box.width <= width + 0.5 &&
    box.x >= frame.x - 0.5 && box.x + box.width <= frame.x + frame.width + 0.5;
}

// The table's layout: whether its frame scrolls sideways, and at 390 px whether rows are cards
// whose cells carry their column's label.
async function tableLayout(table) {
  return table.evaluate((wrap) => {
    const rows = [...wrap.querySelectorAll('tbody tr')];
    const labelled = rows.flatMap((tr) => [...tr.cells]).filter((td) => td.textContent.trim() !== '' && !td.querySelector('button, a.button'))
      .every((td) => {
        const label = getComputedStyle(td, '::before').content;
        return td.dataset.label && label.includes(td.dataset.label);
      });
    return {
      overflows: wrap.scrollWidth > wrap.clientWidth + 1,
      headHidden: getComputedStyle(wrap.querySelector('thead')).position === 'absolute' || getComputedStyle(wrap.querySelector('thead')).display === 'none',
      cards: rows.length > 0 && rows.every((tr) => getComputedStyle(tr).display === 'block' || getComputedStyle(tr).display === 'grid'),
      labelled,
    };
  });
}

async function checkTable(page, table, name, buttons = []) {
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await table.locator('tbody tr').first().waitFor();
    const layout = await tableLayout(table);
    for (const button of buttons) {
      assert.ok(await onScreen(page, button), `${name} at ${viewport.width} px: ${await button.textContent()} is on the screen`);
    }
    if (viewport === NARROW) {
      assert.ok(layout.cards && layout.headHidden, `${name} at 390 px: each row is a card`);
      assert.ok(layout.labelled, `${name} at 390 px: each cell shows its column's label`);
      assert.ok(!layout.overflows, `${name} at 390 px: nothing to scroll sideways`);
    }
    await screenshot(page, `table-${name}`);
  }
  await page.setViewportSize(WIDE);
}

test('Approvals: Approve and Reject are on the screen at 1280 px and on a phone, where rows are cards', async () => {
  await tablesData();
  const other = await openPage(browser, { timezoneId: ZONE });
  const { page } = other;
  await logIn(page, maintainer.username, maintainer.password, '/resources/approvals');
  await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
  const table = page.getByRole('region', { name: 'Requests waiting for approval' });
  const row = table.locator('tbody tr').first();
  await row.waitFor();
  assert.ok(!(await tableLayout(table)).overflows, 'the approvals table fits at 1280 px');
  await checkTable(page, table, 'approvals', [row.getByRole('button', { name: /^Approve/ }), row.getByRole('button', { name: /^Reject/ })]);
  assert.deepEqual(other.problems, []);
  await other.context.close();
});

test('Audit: the table fits at 1280 px, Details is not broken letter by letter, and rows are cards on a phone', async () => {
  const { page } = admin;
  await page.goto(`${base}/audit?limit=50`);
  const table = page.getByRole('region', { name: 'Audit events' });
  await table.locator('tbody tr').first().waitFor();
  const layout = await tableLayout(table);
  assert.ok(!layout.overflows, 'the audit table fits in its frame at 1280 px');
  // Each word of Details (up to 24 characters, between spaces or hyphens, where text may wrap)
  // is on one line: it is not broken inside, and its column is wide enough to read.
  const details = await table.locator('td.details').evaluateAll((cells) => cells.filter((td) => td.textContent.length > 40).map((td) => {
    const text = td.firstChild?.nodeType === Node.TEXT_NODE ? td.firstChild : null;
    let split = 0;
    if (text) {
      const range = document.createRange();
      for (const m of text.data.matchAll(/(?<![^\s-])[^\s-]{2,24}(?![^\s-])/g)) {
        range.setStart(text, m.index);
        range.setEnd(text, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) split += 1;
      }
    }
    return { width: td.getBoundingClientRect().width, split };
  }));
  assert.ok(details.length > 0, 'some events have details');
  for (const d of details) {
    assert.ok(d.width >= 200, `Details is ${d.width} px wide at 1280 px`);
    assert.equal(d.split, 0, 'no word of Details is split across lines');
  }
  await checkTable(page, table, 'audit');
});

test('Catalog, Secrets and Resources: their tables fit at 1280 px and are cards on a phone', async () => {
  await tablesData();
  const { page } = admin;
  await page.goto(`${base}/catalog?owner=${encodeURIComponent(`group:default/${team}`)}`);
  const catalog = page.getByRole('region', { name: 'Catalog entities' });
  await catalog.locator('tbody tr').first().waitFor();
  assert.ok(!(await tableLayout(catalog)).overflows, 'the catalog table fits at 1280 px');
  await checkTable(page, catalog, 'catalog', [catalog.locator('tbody tr').first().getByRole('link').first()]);

  await page.goto(`${base}/secrets?prefix=team/${team}/`);
  const secrets = page.getByRole('region', { name: 'Secrets table' });
  await secrets.locator('tbody tr').first().waitFor();
  assert.ok(!(await tableLayout(secrets)).overflows, 'the secrets table fits at 1280 px');
  await checkTable(page, secrets, 'secrets', [secrets.locator('tbody tr').first().getByRole('link').first()]);

  await page.goto(`${base}/resources`);
  const resources = page.getByRole('region', { name: 'My resources' });
  const row = resources.locator('tbody tr').filter({ hasText: team }).first();
  await row.waitFor();
  assert.ok(!(await tableLayout(resources)).overflows, 'the resources table fits at 1280 px');
  await checkTable(page, resources, 'resources', [row.getByRole('button', { name: /^Renew/ })]);
});

// ---- Fault 4: problems in words ---------------------------------------------------------------

// What HTTP calls its statuses, which people should not have to read.
const STATUS_TEXT = /Unprocessable|Bad Request|Not Found —|Forbidden|Conflict —|Unauthorized|Precondition/;

test('a refused field: the alert says to check the marked field (not "below"), focus goes to it, and what was typed keeps its case', async () => {
  const { page } = admin;
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await page.goto(`${base}/admin/bindings`);
    const binding = page.getByRole('region', { name: 'New binding' });
    const subject = binding.getByLabel('User', { exact: true });
    await subject.fill(`nobody-${stamp}`);
    await binding.getByRole('button', { name: 'Bind role' }).click();
    const alert = binding.getByRole('alert');
    await alert.filter({ hasText: 'Some values are not right — Check the marked field.' }).waitFor();
    assert.doesNotMatch(await alert.textContent(), /below|above/);
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-invalid') === 'true');
    assert.equal(await subject.evaluate((el) => el === document.activeElement), true, 'focus is on the marked field');
    await screenshot(page, 'problem-binding-field');

    // A name as typed, in a message of the portal's own, keeps its case.
    await page.goto(`${base}/admin/teams`);
    const members = page.getByRole('region', { name: 'Members' });
    await members.getByLabel('Team').selectOption(team);
    const typed = `NoSuchUser-${stamp}`;
    await members.getByLabel('User').fill(typed);
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByText(`There is no user ${typed}.`, { exact: true }).waitFor();
    assert.equal(await members.getByText(new RegExp(`nosuchuser-${stamp}`)).count(), 0, 'the value is not lower-cased');
    const text = await members.getByRole('alert').textContent();
    assert.match(text, /^Some values are not right — Check the marked field\.$/);
    assert.doesNotMatch(text, STATUS_TEXT);
    assert.equal(await members.getByLabel('User').evaluate((el) => el === document.activeElement), true);
    await screenshot(page, 'problem-team-member');
  }
  await page.setViewportSize(WIDE);
});

test('headings of problems are words for people, not HTTP status text', async () => {
  const { page } = admin;
  await page.goto(`${base}/secrets/team/${team}/no-such-secret`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /^Not found — /);
  assert.doesNotMatch(await alert.textContent(), STATUS_TEXT);
  await bothWidths(page, 'problem-not-found');

  await page.goto(`${base}/account/password`);
  await page.getByLabel('Current password').fill('not the password at all');
  await page.getByLabel('New password', { exact: true }).fill('a new long password');
  await page.getByLabel('New password again').fill('another long password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Is not the same as the new password.').waitFor();
  const refused = page.getByRole('alert');
  assert.equal(await refused.textContent(), 'Some values are not right — Check the marked field.');
  assert.ok(await page.getByLabel('New password again').evaluate((el) => el === document.activeElement));
  await bothWidths(page, 'problem-password');
});

test("a template parameter's refused value is explained by its help, or in a sentence, never by its pattern", async () => {
  await tablesData();
  const { page } = admin;
  await page.goto(`${base}/templates/${template}/request?version=1.0.0`);
  await page.getByRole('heading', { name: `Request Wide ${stamp}`, level: 1 }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Not A Name');
  await page.getByLabel('Code (optional)').fill('abc');
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.getByText('Must be in the form the template asks for: Lower-case letters, digits and -, starting with a letter.').waitFor();
  await page.getByText('Must match the format the template asks for.').waitFor();
  const main = await page.getByRole('main').innerText();
  assert.doesNotMatch(main, /\[a-z\]|\[A-Z\]|\{2,40\}|\{3\}/, 'no regular expression on the form');
  assert.match(await page.getByRole('alert').textContent(), /^Some values are not right — Check the marked fields\.$/);
  assert.equal(await page.getByLabel('Name', { exact: true }).evaluate((el) => el === document.activeElement), true, 'focus is on the first marked field');
  await bothWidths(page, 'problem-parameters');
});

// ---- Refusals in words; menus only for what one may use ----------------------------------------

const PERMISSION_ID = /\b[a-z]+\.[a-z_]+(\.[a-z_]+)?\b/;   // secrets.secret.write, iam.explain, ...
const other = `other-${stamp}`;   // a team the developer is not in, whose secrets they may not even see
const member = { username: `member-${stamp}`, password: `pw-${stamp}-long-enough` };
const developer = { username: `dev-${stamp}`, password: `pw-${stamp}-long-enough` };

let peopleReady = false;
async function people() {
  if (peopleReady) return;
  const { page } = admin;
  const me = await (await page.request.get(`${base}/api/v1/auth/session`)).json();
  const made = await apiChange(page, 'POST', '/iam/teams', { name: other, display_name: 'Other team' });
  assert.equal(made.status(), 201, await made.text());
  for (const u of [member, developer]) {
    const user = await apiChange(page, 'POST', '/iam/users', { username: u.username, display_name: u.username, kind: 'human', password: u.password });
    assert.equal(user.status(), 201, await user.text());
    const joined = await apiChange(page, 'PUT', `/iam/teams/${team}/members/${(await user.json()).id}`);
    assert.ok(joined.ok(), await joined.text());
  }
  assert.ok(me.user.id);
  const bound = await apiChange(page, 'POST', '/iam/bindings',
    { subject_type: 'user', subject: developer.username, role: 'developer', scope_type: 'team', scope_id: team });
  assert.equal(bound.status(), 201, await bound.text());
  peopleReady = true;
}

async function menuLinks(page) {
  if (await page.getByRole('button', { name: 'Menu', expanded: false }).isVisible()) await page.getByRole('button', { name: 'Menu' }).click();
  const names = await mainNav(page).getByRole('link').allTextContents();
  if (await page.getByRole('button', { name: 'Menu', expanded: true }).isVisible()) await page.keyboard.press('Escape');
  return names;
}

test('a member with no role: the menu, Home and the admin pages show only what they may use, and say why in words', async () => {
  await people();
  for (const viewport of [WIDE, NARROW]) {
    const { context, page, problems } = await openPage(browser, { viewport, timezoneId: ZONE });
    await logIn(page, member.username, member.password);
    const held = new Set((await (await page.request.get(`${base}/api/v1/auth/session`)).json()).permissions);
    const links = await menuLinks(page);
    // Catalog (and Health, its checks) is there when some binding lets the member read it (a built-in one may); nothing else is.
    assert.deepEqual(links, held.has('catalog.entity.read') ? ['Home', 'Catalog', 'Health'] : ['Home']);
    const areas = await page.getByRole('region', { name: 'Areas' }).getByRole('link').allTextContents();
    assert.deepEqual(areas, links.slice(1), 'Home offers the same areas as the menu');
    // Home's "My services" is there when the catalog may be read (the built-in binding of team members)
    assert.equal(await page.getByRole('region', { name: 'My services', exact: true }).count(), held.has('catalog.entity.read') ? 1 : 0);
    await page.getByRole('button', { name: `Account of ${member.username}` }).click();
    assert.deepEqual(await page.locator('#user-menu-list').getByRole('link').allTextContents(), ['API tokens', 'Change password']);
    await screenshot(page, 'menu-member');

    // An address kept from before, of a page that is not theirs: what it is and why, in words.
    await page.goto(`${base}/admin/explain`);
    await page.getByRole('heading', { name: 'Explain', level: 1 }).waitFor();
    const alert = page.getByRole('alert');
    assert.match(await alert.textContent(), /^Not allowed — You can't ask why someone holds a permission\. /);
    assert.doesNotMatch(await alert.textContent(), PERMISSION_ID);
    assert.equal(await page.getByRole('button', { name: 'Explain' }).count(), 0, 'no form that would only be refused');
    await screenshot(page, 'refused-explain');
    await page.goto(`${base}/audit`);
    await page.getByRole('alert').filter({ hasText: /^Not allowed — You can't read the audit log[.:] / }).waitFor();
    assert.doesNotMatch(await page.getByRole('alert').textContent(), PERMISSION_ID);
    await screenshot(page, 'refused-audit');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test("a developer of one team: no Audit or Admin in the menu, and creating another team's secret is refused in words", async () => {
  await people();
  for (const viewport of [WIDE, NARROW]) {
    const { context, page, problems } = await openPage(browser, { viewport, timezoneId: ZONE });
    await logIn(page, developer.username, developer.password);
    assert.deepEqual(await menuLinks(page), ['Home', 'Catalog', 'Templates', 'Resources', 'Delivery', 'Health', 'Alerts', 'Secrets']);
    await page.goto(`${base}/resources`);
    const sub = await page.getByRole('navigation', { name: 'Resources' }).getByRole('link').allTextContents();
    assert.ok(!sub.some((s) => /^Approvals/.test(s)), 'no approvals inbox for one who may not approve');

    await page.goto(`${base}/secrets/new`);
    await page.getByLabel('Team', { exact: true }).fill(other);
    await page.getByLabel('Name', { exact: true }).fill('db-password');
    await page.getByLabel('Value', { exact: true }).fill('not theirs');
    await page.getByRole('button', { name: 'Create secret' }).click();
    // The API refuses it as a 403 in words (read: the team's secrets are not theirs to see), or,
    // as it did before, as a 404 that the portal says as the refusal it is (write).
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: new RegExp(`^Not allowed — You can't (write|read) team ${other}'s secrets[.:] `) }).waitFor();
    assert.doesNotMatch(await alert.textContent(), /Not found|No secret at/);
    assert.doesNotMatch(await alert.textContent(), PERMISSION_ID);
    await screenshot(page, 'refused-secret-create');

    // A refusal the API words by permission id: said in words here.
    await page.goto(`${base}/catalog/import`);
    await page.getByLabel('catalog-info.yaml').fill(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: not-mine-${stamp}-${viewport.width}
spec:
  type: service
  owner: group:default/${other}
`);
    await page.getByRole('button', { name: 'Preview' }).click();
    const refused = page.getByRole('alert').filter({ hasText: /^Not allowed — You can't/ });
    await refused.waitFor();
    assert.doesNotMatch(await refused.textContent(), PERMISSION_ID);
    await screenshot(page, 'refused-import');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

// ---- Fault 3: the message on a secret's page says what the last save did -----------------------

test("after saving versions 2 and 3 of a new secret, its page no longer says it was created at version 1", async () => {
  const { page } = admin;
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    const name = `saved-${viewport.width}`;
    const path = `team/${team}/${name}`;
    await page.goto(`${base}/secrets/new?team=${team}`);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Value', { exact: true }).fill('one');
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.waitForURL(`${base}/secrets/${path}`);
    const created = page.getByRole('status').filter({ hasText: `Created ${path}, version 1.` });
    await created.waitFor();
    for (const [n, value] of [[2, 'two'], [3, 'three']]) {
      await page.getByLabel('New value').fill(value);
      await page.getByRole('button', { name: `Save version ${n}` }).click();
      await page.getByRole('status').filter({ hasText: `Saved version ${n}: it is the current version now.` }).waitFor();
      assert.equal(await created.count(), 0, `after saving version ${n}, "Created ..., version 1." is gone`);
    }
    const said = (await page.getByRole('status').allTextContents()).filter((t) => t.trim());
    assert.ok(said.every((t) => !/version 1\b|version 2\b/.test(t)), `only the last save is told: ${JSON.stringify(said)}`);
    await screenshot(page, 'secret-saved-twice');
  }
  await page.setViewportSize(WIDE);
});
