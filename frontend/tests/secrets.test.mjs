// Browser tests of the secrets pages, as a story told in order: the administrator makes a team
// through the API and joins it, creates a secret under it in the portal (after a team that does
// not exist, refused at its field, and before a second create at the same path, refused as a
// conflict), finds it in the browser by the team's scope, reveals it after confirming and sees
// it leave the page after 30 seconds (the page's clock is Playwright's, so the test moves time
// on instead of waiting), writes a new version, meets a version written behind its back as a
// conflict that keeps the text typed, and deletes, undeletes and destroys a version; a developer
// of the team, on a phone, meets no Reveal or Destroy but writes a version; at last the secret is
// deleted. Pages are screenshot at 1280 and 390 px. Names carry a stamp, so the story runs on a
// fresh database and again on the same one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, adminPassword, apiChange, base, launch, logIn, mainNav, makeTeamAndJoin, openPage, screenshot, screenshots } from './browser.mjs';

const stamp = `s${Date.now().toString(36)}`;
const team = `vault-${stamp}`;
const path = `team/${team}/production/db-password`;
const values = [`first-${stamp}`, `second-${stamp}`, `behind-${stamp}`, `mine-${stamp}`];

let browser;
let admin;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
  // The page's timers and Date are Playwright's from the start: time runs as usual until the
  // test moves it on (clock.fastForward), as a user would by waiting.
  await admin.page.clock.install();
});
after(async () => { await browser?.close(); });

const secretsNav = (page) => page.getByRole('navigation', { name: 'Secrets' });
const history = (page) => page.getByRole('region', { name: 'Versions' });
const versionRow = (page, n) => history(page).locator(`tr[data-version="${n}"]`);

// Whether focus is on the element, once the page has settled (focus moves after a render).
async function focused(locator) {
  const element = await locator.elementHandle();
  return locator.page().waitForFunction((el) => el === document.activeElement, element, { timeout: 3000 }).then(() => true, () => false);
}

// A field's value once the page has settled (a field follows the address after a render): the
// value when it is `want` within 3 s, else the value then.
async function settledValue(locator, want) {
  const element = await locator.elementHandle();
  await locator.page().waitForFunction(([el, w]) => el.value === w, [element, want], { timeout: 3000 }).catch(() => {});
  return locator.inputValue();
}

test('the administrator makes a team through the API and joins it', async () => {
  const { page } = admin;
  await logIn(page, 'admin', adminPassword);
  await makeTeamAndJoin(page, team, 'Vault team');
  await page.reload();
  await page.getByRole('main').getByText(team, { exact: true }).waitFor();
});

test('a new secret is created under the team; a team that does not exist is refused at its field', async () => {
  const { page } = admin;
  await mainNav(page).getByRole('link', { name: 'Secrets' }).click();
  await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
  assert.equal(await mainNav(page).getByRole('link', { name: 'Secrets' }).getAttribute('aria-current'), 'page');
  await secretsNav(page).getByRole('link', { name: 'New secret' }).click();
  await page.getByRole('heading', { name: 'New secret', level: 1 }).waitFor();

  const teamField = page.getByLabel('Team', { exact: true });
  await teamField.fill(`nobody-${stamp}`);
  await page.getByLabel('Environment (optional)').fill('production');
  await page.getByLabel('Name', { exact: true }).fill('db-password');
  const value = page.getByLabel('Value', { exact: true });
  await value.fill(values[0]);
  // masked as typed, shown on request
  assert.match(await value.getAttribute('class'), /\bmasked\b/);
  assert.equal(await value.evaluate((el) => getComputedStyle(el).webkitTextSecurity), 'disc');
  await page.getByRole('button', { name: 'Show value' }).click();
  assert.doesNotMatch(await value.getAttribute('class'), /\bmasked\b/);
  await page.getByRole('button', { name: 'Hide value' }).click();
  assert.match(await value.getAttribute('class'), /\bmasked\b/);
  await page.getByText(`team/nobody-${stamp}/production/db-password`, { exact: true }).waitFor();

  await page.getByRole('button', { name: 'Create secret' }).click();
  await page.getByText(`There is no team nobody-${stamp}.`).waitFor();
  assert.equal(await teamField.getAttribute('aria-invalid'), 'true');
  assert.ok(await focused(teamField), 'focus goes to the field the API refused');
  await page.getByRole('alert').filter({ hasText: 'Some values are not right — Check the marked field.' }).waitFor();
  await screenshots(page, 'secret-new');

  await teamField.fill(team);
  assert.equal(await value.inputValue(), values[0], 'the value typed is kept');
  await page.getByRole('button', { name: 'Create secret' }).click();
  await page.waitForURL(`${base}/secrets/${path}`);
  await page.getByRole('heading', { name: 'db-password', level: 1 }).waitFor();
  await page.getByRole('status').filter({ hasText: `Created ${path}, version 1.` }).waitFor();
  const overview = page.getByRole('region', { name: 'Overview' });
  assert.match(await overview.textContent(), new RegExp(`Belongs toTeam ${team}.*Environmentproduction.*Current version1`));
});

test('creating a secret where one exists is refused as a conflict, never an overwrite', async () => {
  const { page } = admin;
  await secretsNav(page).getByRole('link', { name: 'New secret' }).click();
  await page.getByLabel('Team', { exact: true }).fill(team);
  await page.getByLabel('Environment (optional)').fill('production');
  await page.getByLabel('Name', { exact: true }).fill('db-password');
  await page.getByLabel('Value', { exact: true }).fill('not to be written');
  await page.getByLabel('Value', { exact: true }).press('Tab');
  await page.getByRole('button', { name: 'Create secret' }).click();
  const alert = page.getByRole('alert').filter({ hasText: `A secret already exists at ${path}` });
  await alert.waitFor();
  assert.ok(await focused(alert.getByRole('link', { name: 'Open it' })), 'focus goes to the secret that is there');
  assert.equal(new URL(page.url()).pathname, '/secrets/new');
});

test('the browser lists the secrets of a team chosen among the user\'s, and says when there are none', async () => {
  const { page } = admin;
  await secretsNav(page).getByRole('link', { name: 'Browse' }).click();
  await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
  await page.getByLabel('Your team').focus();
  await page.getByLabel('Your team').selectOption(team);
  await page.waitForURL(`${base}/secrets?prefix=${encodeURIComponent(`team/${team}/`)}`);
  await page.getByRole('heading', { name: `Secrets under team/${team}/` }).waitFor();
  assert.equal(await settledValue(page.getByLabel('Path starts with'), `team/${team}/`), `team/${team}/`);
  assert.ok(await focused(page.getByLabel('Your team')), 'the choice keeps the focus');
  const rows = page.getByRole('region', { name: 'Secrets table' }).getByRole('row');
  assert.equal(await rows.count(), 2, 'a header and the one secret');
  assert.match(await rows.nth(1).textContent(), new RegExp(`^${path}production1\\d{1,2} [A-Z][a-z]{2} \\d{4}, \\d\\d:\\d\\dadmin$`));
  await page.getByRole('status').filter({ hasText: 'Showing 1 secret.' }).waitFor();
  await screenshots(page, 'secrets-browser');

  // a prefix typed: nothing there
  const prefix = page.getByLabel('Path starts with');
  await prefix.fill(`team/${team}/staging/`);
  await prefix.press('Enter');
  await page.getByText(`No secret you may read starts with team/${team}/staging/.`).waitFor();
  await page.getByRole('link', { name: 'Team secrets', exact: true }).click();
  await page.waitForURL(`${base}/secrets?prefix=team%2F`);
  assert.equal(await page.getByRole('link', { name: 'Team secrets', exact: true }).getAttribute('aria-current'), 'true');
  assert.equal(await settledValue(page.getByLabel('Your team'), ''), '');
  await page.goBack();
  await page.goBack();
  await page.getByRole('heading', { name: `Secrets under team/${team}/` }).waitFor();
  await page.getByRole('link', { name: path }).click();
  await page.getByRole('heading', { name: 'db-password', level: 1 }).waitFor();
});

test('revealing asks first, shows the value with a countdown, and takes it off the page after 30 seconds', async () => {
  const { page } = admin;
  await versionRow(page, 1).getByRole('button', { name: 'Reveal version 1' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reveal version 1?' });
  assert.match(await dialog.textContent(), /for 30 seconds.*recorded in the audit log/s);
  await dialog.getByRole('button', { name: 'Reveal', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  const shown = page.getByRole('region', { name: 'Value of version 1', exact: true });
  assert.equal(await shown.textContent(), values[0]);
  await page.getByRole('timer').filter({ hasText: /^Hidden again in (30|29|28) s\.$/ }).waitFor();
  await page.getByRole('status').filter({ hasText: 'The value of version 1 is shown below for 30 seconds.' }).waitFor();
  await page.waitForFunction(() => document.activeElement.matches('pre.secret-value'));
  await screenshots(page, 'secret-revealed');

  await page.clock.fastForward(12000);
  await page.getByRole('timer').filter({ hasText: /^Hidden again in 1\d s\.$/ }).waitFor();
  await page.clock.fastForward(18000);
  await page.getByRole('status').filter({ hasText: 'The value of version 1 is hidden again: 30 seconds have passed.' }).waitFor();
  assert.equal(await shown.count(), 0);
  assert.ok(!(await page.content()).includes(values[0]), 'once hidden, the value is nowhere in the page');
  assert.ok(await focused(versionRow(page, 1).getByRole('button', { name: 'Reveal version 1' })), 'focus goes back to Reveal');

  // "Hide now" does not wait
  await versionRow(page, 1).getByRole('button', { name: 'Reveal version 1' }).click();
  await page.getByRole('dialog', { name: 'Reveal version 1?' }).getByRole('button', { name: 'Reveal', exact: true }).click();
  await shown.waitFor();
  await page.getByRole('button', { name: 'Hide now' }).click();
  await page.getByRole('status').filter({ hasText: 'The value of version 1 is hidden again.' }).waitFor();
  assert.ok(!(await page.content()).includes(values[0]));
});

test('a new version is written over the one shown, and the history has both', async () => {
  const { page } = admin;
  const value = page.getByLabel('New value');
  await value.fill(values[1]);
  await page.getByRole('button', { name: 'Save version 2' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved version 2: it is the current version now.' }).waitFor();
  await page.getByRole('button', { name: 'Save version 3' }).waitFor();
  assert.equal(await value.inputValue(), '', 'the form is ready for the next version');
  assert.equal(await history(page).locator('tbody tr').count(), 2);
  assert.match(await versionRow(page, 2).textContent(), /^2current\d+ bytes\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\dby admin/);
  assert.match(await versionRow(page, 1).textContent(), /^1previous/);
});

test('a version written behind the page\'s back makes saving a conflict that keeps the text typed', async () => {
  const { page } = admin;
  const behind = await apiChange(page, 'PUT', `/secrets/data/${path}`, { value: values[2], cas: 2 });
  assert.equal(behind.status(), 200, await behind.text());
  assert.equal((await behind.json()).version, 3);

  const value = page.getByLabel('New value');
  await value.fill(values[3]);
  await page.getByRole('button', { name: 'Save version 3' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Someone else wrote a newer version meanwhile.' });
  await alert.waitFor();
  assert.match(await alert.textContent(), /Your text is still here/);
  assert.equal(await value.inputValue(), values[3]);
  const reload = alert.getByRole('button', { name: 'Reload the secret' });
  assert.ok(await focused(reload), 'focus goes to the way out');
  await screenshots(page, 'secret-conflict');

  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: 'Reloaded: version 3 is the current one. Your text is unchanged: save it to write version 4.' }).waitFor();
  assert.equal(await alert.count(), 0);
  assert.equal(await value.inputValue(), values[3], 'reloading keeps the text typed');
  assert.equal(await history(page).locator('tbody tr').count(), 3);
  assert.match(await versionRow(page, 3).textContent(), /^3current/);
  await page.getByRole('button', { name: 'Save version 4' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved version 4' }).waitFor();
  await versionRow(page, 4).getByText('current', { exact: true }).waitFor();
  assert.equal(await history(page).locator('tbody tr').count(), 4);
});

test('a version is deleted and undeleted; destroying one asks first and says it is permanent', async () => {
  const { page } = admin;
  const row = versionRow(page, 1);
  await row.getByRole('button', { name: 'Delete version 1' }).click();
  await page.getByRole('status').filter({ hasText: 'Version 1 is deleted: it cannot be revealed until it is undeleted.' }).waitFor();
  await row.getByText('deleted', { exact: true }).waitFor();
  assert.equal(await row.getByRole('button', { name: 'Reveal version 1' }).count(), 0, 'a deleted version does not reveal');
  const undelete = row.getByRole('button', { name: 'Undelete version 1' });
  assert.ok(await focused(undelete), 'focus goes to the button that undoes it');

  await undelete.click();
  await page.getByRole('status').filter({ hasText: 'Version 1 is undeleted: it can be revealed again.' }).waitFor();
  await row.getByText('previous', { exact: true }).waitFor();
  await row.getByRole('button', { name: 'Reveal version 1' }).waitFor();

  await row.getByRole('button', { name: 'Destroy version 1' }).click();
  const dialog = page.getByRole('dialog', { name: 'Destroy version 1?' });
  assert.match(await dialog.textContent(), /This is permanent\..*can never be revealed or restored/s);
  await dialog.getByRole('button', { name: 'Destroy for good' }).click();
  await page.getByRole('status').filter({ hasText: 'Version 1 is destroyed: its value is gone for good.' }).waitFor();
  await row.getByText('destroyed', { exact: true }).waitFor();
  assert.equal(await row.getByRole('button').count(), 0, 'nothing more can be done to a destroyed version');
  assert.ok(await focused(page.getByRole('heading', { name: 'History' })));
  await screenshots(page, 'secret');
});

test('a developer of the team, on a phone, may write and delete versions but not reveal or destroy them', async () => {
  const username = `dev-${stamp}`;
  const password = `pw-${stamp}-long-enough`;
  const made = await apiChange(admin.page, 'POST', '/iam/users', { username, display_name: 'Secret Developer', kind: 'human', password });
  assert.equal(made.status(), 201, await made.text());
  const bound = await apiChange(admin.page, 'POST', '/iam/bindings',
    { subject_type: 'user', subject: username, role: 'developer', scope_type: 'team', scope_id: team });
  assert.equal(bound.status(), 201, await bound.text());

  const developer = await openPage(browser, { viewport: NARROW });
  const { page } = developer;
  await logIn(page, username, password, `/secrets/${path}`);
  await page.getByRole('heading', { name: 'db-password', level: 1 }).waitFor();
  await versionRow(page, 4).getByText('current', { exact: true }).waitFor();
  await history(page).getByRole('button', { name: 'Delete version 4' }).waitFor();
  assert.equal(await history(page).getByRole('button', { name: /^(Reveal|Destroy) version/ }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Delete this secret' }).count(), 0);
  const refused = await apiChange(page, 'POST', `/secrets/reveal/${path}`, {});
  assert.equal(refused.status(), 403, 'the API refuses what the page does not offer');

  await page.getByLabel('New value').fill(`dev-${stamp}`);
  await page.getByRole('button', { name: 'Save version 5' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved version 5: it is the current version now.' }).waitFor();
  await versionRow(page, 5).getByText('current', { exact: true }).waitFor();
  await screenshot(page, 'secret-developer');
  assert.deepEqual(developer.problems, []);
  await developer.context.close();
  await admin.page.reload();
  await admin.page.getByRole('heading', { name: 'db-password', level: 1 }).waitFor();
});

test('deleting the secret asks first, then the team\'s list says it has none', async () => {
  const { page } = admin;
  await page.getByRole('button', { name: 'Delete this secret' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete the secret db-password?' });
  assert.match(await dialog.textContent(), new RegExp(`This is permanent\\. ${path} and all 5 of its versions are erased`));
  await dialog.getByRole('button', { name: 'Delete the secret' }).click();
  await page.waitForURL(`${base}/secrets?prefix=${encodeURIComponent(`team/${team}/`)}`);
  await page.getByRole('status').filter({ hasText: `Deleted ${path} and all its versions.` }).waitFor();
  await page.getByText(`No secret you may read starts with team/${team}/.`).waitFor();
  const gone = await page.request.get(`${base}/api/v1/secrets/metadata/${path}`);
  assert.equal(gone.status(), 404);
});

test('no console errors on any secrets page', async () => {
  assert.deepEqual(admin.problems, []);
});
