// Browser tests of alerts and dashboards: an alert rule added on a service's catalog page, fired
// by the browser stack's looping runner (a ttl check reported critical), listed on the Alerts
// page, acknowledged on its own page with its history, disabled (so resolved) and deleted; then the
// service's dashboard: its health, and panels the person adds, moves and removes, drawn from a
// real Prometheus (Debian's) that this test starts on the stack's port + 3 (dev.sh's
// prometheus_url) scraping Portico under the service's label.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WIDE, adminPassword, apiChange, base, launch, logIn, mainNav, makeTeamAndJoin, openPage, screenshots } from './browser.mjs';

let browser, prometheus, dir;
before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (prometheus) {
    prometheus.kill('SIGTERM');
    await new Promise((done) => prometheus.once('exit', done));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function startPrometheus(page, entity) {
  const token = await apiChange(page, 'POST', '/auth/tokens', { name: 'prometheus', scopes: ['system.metrics.read'], expires_in_days: 1 });
  assert.equal(token.status(), 201, await token.text());
  const url = new URL(base);
  const port = Number(url.port) + 3;
  dir = await mkdtemp(join(tmpdir(), 'portico-alerts-'));
  await writeFile(join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', 'scrape_configs:', '  - job_name: portico',
    '    metrics_path: /api/v1/system/metrics', '    authorization:', `      credentials: ${(await token.json()).token}`,
    '    static_configs:', `      - targets: ['${url.host}']`, '        labels:', `          portico_entity: '${entity}'`, ''].join('\n'));
  prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`).catch(() => null);
    const body = r && r.ok ? await r.json() : null;
    if (body?.data?.result?.length) return new Promise((done) => setTimeout(done, 1500));   /* a second's samples */
    await new Promise((done) => setTimeout(done, 200));
  }
  assert.fail('Prometheus did not scrape Portico');
}

test('an alert rule fires, is listed, acknowledged; a dashboard of the service with panels of its own', async () => {
  const { context, page, problems } = await openPage(browser, { viewport: WIDE });
  const tag = `al${Date.now().toString(36).slice(-6)}`;
  await logIn(page, 'admin', adminPassword, '/');
  await makeTeamAndJoin(page, tag, `Alerts ${tag}`);
  const name = `${tag}-api`, entity = `component:default/${name}`;
  const put = await apiChange(page, 'PUT', `/catalog/entities/component/default/${name}`, {
    apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name }, spec: { type: 'service', lifecycle: 'production', owner: `group:${tag}` },
  });
  assert.equal(put.status(), 201, await put.text());
  const check = await apiChange(page, 'POST', '/health/checks', { entity, name: 'alive', kind: 'ttl', ttl_seconds: 600, success_before_passing: 1, failures_before_critical: 1 });
  assert.equal(check.status(), 201, await check.text());
  const id = (await check.json()).id;
  assert.equal((await apiChange(page, 'PUT', `/health/checks/${id}/status`, { status: 'critical', output: 'db gone' })).status(), 200);

  // the rule, added with the form on the catalog page; a bad name is refused in words
  await page.goto(`${base}/catalog/entity/component/default/${name}`);
  const section = page.getByRole('region', { name: 'Alerts' });
  await section.getByRole('button', { name: 'Add an alert rule' }).click();
  const form = page.getByRole('form', { name: 'Add an alert rule' });
  await form.getByRole('textbox', { name: 'Name' }).fill('<b>x</b>');
  await form.getByRole('button', { name: 'Add the rule' }).click();
  await form.getByText(/is letters, digits/i).first().waitFor();
  assert.equal(await page.locator('main b').count(), 0);
  await form.getByRole('textbox', { name: 'Name' }).fill('down');
  await form.getByRole('combobox', { name: 'Severity' }).selectOption('critical');
  await form.getByRole('button', { name: 'Add the rule' }).click();
  const row = section.getByRole('row').filter({ hasText: 'down' });
  await row.waitFor();
  // the looping runner evaluates it: firing
  for (let i = 0; i < 40 && !/firing/.test(await row.textContent()); i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.match(await row.textContent(), /firing/);

  // the Alerts page lists it; its page acknowledges it
  await mainNav(page).getByRole('link', { name: 'Alerts', exact: true }).click();
  await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
  const listed = page.getByRole('region', { name: 'Alerts now' }).getByRole('row').filter({ hasText: entity });
  await listed.waitFor();
  assert.match(await listed.textContent(), /critical/);
  await screenshots(page, 'alerts');
  await listed.getByRole('link', { name: 'down' }).click();
  await page.getByRole('heading', { name: 'Alert down', level: 1 }).waitFor();
  const ack = page.getByRole('form', { name: 'Acknowledge' });
  await ack.getByRole('textbox', { name: 'Comment' }).fill('looking at the database');
  await ack.getByRole('button', { name: 'Acknowledge' }).click();
  await page.getByText(/^Acknowledged by admin/).waitFor();
  const history = page.getByRole('region', { name: 'What happened' });
  await history.getByRole('row').filter({ hasText: 'acknowledged by admin' }).waitFor();
  await history.getByRole('row').filter({ hasText: /^.*firing/ }).first().waitFor();

  // disabled while firing: the runner resolves it, saying why; then, inactive, it may be deleted
  await page.getByRole('button', { name: 'Disable this rule' }).click();
  await page.getByText(/^Disabled: it is not evaluated/).waitFor();
  const resolved = history.getByRole('row').filter({ hasText: 'resolved: the rule was disabled' });
  for (let i = 0; i < 40 && !(await resolved.count()); i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  await resolved.waitFor();
  await page.getByRole('button', { name: 'Delete this rule' }).click();
  await page.getByRole('region', { name: 'Alerts' }).getByText('No alert rules.').waitFor();

  // the dashboard: its health, and panels from the real Prometheus
  await startPrometheus(page, entity);
  await page.goto(`${base}/catalog/entity/component/default/${name}`);
  await page.getByRole('link', { name: "Open this service's dashboard" }).click();
  await page.getByRole('heading', { name: `Dashboard of ${entity}`, level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Health checks and their recent results' }).getByText('alive').waitFor();
  await page.getByText('No panels yet.').waitFor();
  async function addPanel(title, query) {
    await page.getByRole('button', { name: 'Add a panel' }).click();
    const f = page.getByRole('form', { name: 'Add a panel' });
    await f.getByRole('textbox', { name: 'Title' }).fill(title);
    await f.getByRole('textbox', { name: 'PromQL query' }).fill(query);
    await f.getByRole('button', { name: 'Add the panel' }).click();
    return f;
  }
  // a query that chooses the service's label is refused on its field
  const bad = await addPanel('Other', 'up{portico_entity="component:default/someone-else"}');
  await bad.getByText(/may not choose the entity/).waitFor();
  await bad.getByRole('button', { name: 'Cancel' }).click();
  await addPanel('Scraped', 'up');
  await addPanel('Requests', 'sum(rate(portico_http_requests_total[1m]))');
  const up = page.getByRole('region', { name: 'Panel Scraped' });
  await up.getByRole('img', { name: /Scraped: 1 series, latest 1/ }).waitFor({ timeout: 15000 });
  // moved: Requests first, kept for the next visit
  await page.getByRole('region', { name: 'Panel Requests' }).getByRole('button', { name: 'Move up Requests' }).click();
  await page.reload();
  await page.getByRole('region', { name: 'Panel Scraped' }).waitFor();
  const titles = await page.locator('.panel h3').allTextContents();
  assert.deepEqual(titles, ['Requests', 'Scraped']);
  await screenshots(page, 'dashboard');
  await page.getByRole('region', { name: 'Panel Requests' }).getByRole('button', { name: 'Remove Requests' }).click();
  await page.getByRole('region', { name: 'Panel Requests' }).waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
  await context.close();
});
