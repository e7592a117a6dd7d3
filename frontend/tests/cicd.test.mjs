// Browser tests of an entity's CI/CD section: a maintainer connects GitHub from the entity's page
// (the secret shown once, with the setup steps), GitHub's deliveries (signed here with node's
// crypto, as GitHub signs) come in, and the page shows the deployment running in production, the
// run, and the 30 days' figures; a payload's text is shown as text, never as HTML. At 1280 and
// 390 px, with screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, makeTeamAndJoin, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
});
after(async () => { await browser?.close(); });

async function deliver(id, secret, event, delivery, payload) {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const res = await fetch(`${base}/api/v1/cicd/hooks/${id}`, {
    method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': event, 'X-GitHub-Delivery': delivery,
               'X-Hub-Signature-256': signature },
  });
  assert.equal(res.status, 200, await res.text());
}

for (const viewport of [WIDE, NARROW]) {
  test(`an entity's CI/CD at ${viewport.width} px: connect GitHub, its deliveries, what runs where`, async () => {
    const { page, problems } = await openPage(browser, { viewport });
    const tag = `ci${viewport.width}${Date.now().toString(36).slice(-5)}`;
    await logIn(page, 'admin', adminPassword, '/catalog');
    await makeTeamAndJoin(page, tag, `CI ${tag}`);
    const name = `${tag}-web`;
    const put = await apiChange(page, 'PUT', `/catalog/entities/component/default/${name}`, {
      apiVersion: 'backstage.io/v1alpha1', kind: 'Component',
      metadata: { name, title: `Web ${tag}` }, spec: { type: 'service', lifecycle: 'production', owner: `group:${tag}` },
    });
    assert.equal(put.status(), 201, await put.text());

    await page.goto(`${base}/catalog/entity/component/default/${name}`);
    const section = page.getByRole('region', { name: 'CI/CD' });
    await section.getByText('No CI/CD provider is connected').waitFor();
    const form = section.getByRole('form', { name: 'Connect a provider' });
    await form.getByLabel('Provider').selectOption('github');
    await form.getByLabel('Name').fill('actions');
    await form.getByRole('button', { name: 'Connect' }).click();
    const once = section.getByRole('status').filter({ hasText: 'is connected' });
    await once.waitFor();
    const secret = (await once.locator('code.secret').textContent()).trim();
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.match(await once.textContent(), /Settings → Webhooks/);
    const hook = (await once.textContent()).match(/\/api\/v1\/cicd\/hooks\/(\d+)/);
    assert.ok(hook, 'the steps give the inbound URL');
    await screenshot(page, 'cicd-connected');

    // GitHub reports a run and a deployment; one name is markup, shown as text
    const sha = 'acb5820ced9479c074f688cc328bf03f341a511d';
    await deliver(hook[1], secret, 'workflow_run', `${tag}-1`, {
      action: 'completed',
      workflow_run: { id: 77, run_attempt: 1, name: '<img src=x onerror=alert(1)>Build', head_branch: 'main', head_sha: sha,
                      status: 'completed', conclusion: 'success', run_started_at: new Date(Date.now() - 600e3).toISOString(),
                      updated_at: new Date().toISOString(), html_url: 'https://github.com/o/r/actions/runs/77' },
    });
    await deliver(hook[1], secret, 'deployment_status', `${tag}-2`, {
      deployment_status: { state: 'success', created_at: new Date().toISOString(), target_url: 'https://ci.example/d/9' },
      deployment: { id: 9, sha, ref: 'v2.3.0', environment: 'production', created_at: new Date(Date.now() - 120e3).toISOString(),
                    creator: { login: 'octocat' } },
    });
    await page.reload();
    await section.getByRole('list', { name: 'Running now' }).getByText('v2.3.0').waitFor();
    assert.match(await section.getByRole('list', { name: 'Running now' }).textContent(), /production: v2\.3\.0/);
    const runs = section.locator('.table-wrap[aria-label="Pipeline runs"]');
    await runs.getByText('<img src=x onerror=alert(1)>Build').waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'markup from a payload is text');
    assert.match(await runs.textContent(), /success/);
    assert.match(await section.locator('.table-wrap[aria-label="Deployments"]').textContent(), /octocat/);
    const figures = section.getByRole('region', { name: 'The last 30 days in production' });
    assert.match(await figures.textContent(), /Deployments1 \(0\.03 a day\)/);
    assert.match(await figures.textContent(), /Pipelines1 runs, 0% failed; 10 min median/);
    assert.match(await section.textContent(), /actions \(GitHub\): 2 deliveries/);
    assert.equal(await section.getByText(secret).count(), 0, 'the secret is not shown again');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await screenshot(page, 'cicd-entity');
    assert.deepEqual(problems, []);
  });
}
