// The configuration page as an Admin: save an allowlist and a secret; the secret then
// shows as configured and is never sent back — checked on every network response.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, ids, launchBrowser, RESOURCES, screenshot, SETTINGS, stopAll, withPage } from './support.mjs';

const SECRET = `e2e-secret-${Math.random().toString(36).slice(2)}`;
const TARGETS = ['http://127.0.0.1:9501/', 'http://localhost:9501'];

let browser;
before(async () => {
  await stopAll();
  browser = await launchBrowser();
});
after(() => browser?.close());

test('configuration page saves the allowlist and a secret that is never sent back', async () => {
  await withPage(browser, 'configuration', async (page) => {
    // Every response the page receives, to look for the secret in.
    const responses = [];
    page.on('response', (r) => responses.push(r));

    await page.goto('/plugins/trafficsim-simulator-app?role=Admin');
    const targets = page.getByTestId(ids.appConfig.allowedTargets);
    await targets.waitFor();
    await targets.fill(TARGETS.join('\n'));
    await page.getByTestId(ids.appConfig.targetAdminPassword).fill(SECRET);

    const [saveRes] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(SETTINGS) && r.request().method() === 'POST'),
      page.getByTestId(ids.appConfig.save).click(),
    ]);
    assert.equal(saveRes.status(), 200, await saveRes.text());
    const sent = saveRes.request().postDataJSON();
    assert.deepEqual(sent.secureJsonData, { targetAdminPassword: SECRET }, 'only the typed secret is sent');
    assert.deepEqual(sent.jsonData.allowedTargets, TARGETS);

    await page.getByTestId(ids.appConfig.saved).waitFor();
    const health = page.getByTestId(ids.appConfig.health);
    await health.waitFor({ timeout: 20000 });
    assert.match(await health.innerText(), /Engine trafficsim .* is running .*2 allowed targets besides/s);

    // The secret input now shows "configured" with Reset, and holds no value.
    const secretInput = page.getByTestId(ids.appConfig.targetAdminPassword);
    assert.equal(await secretInput.inputValue(), 'configured');
    assert.equal(await secretInput.isDisabled(), true);
    await page.getByRole('button', { name: 'Reset' }).first().waitFor();
    await screenshot(page, 'configuration');

    // After a reload the page reads everything back from the host.
    const [getRes] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(SETTINGS) && r.request().method() === 'GET'),
      page.reload(),
    ]);
    const stored = await getRes.json();
    assert.deepEqual(stored.jsonData.allowedTargets, TARGETS);
    assert.deepEqual(stored.secureJsonFields, { targetAdminPassword: true });
    await targets.waitFor();
    assert.equal(await targets.inputValue(), TARGETS.join('\n'));
    assert.equal(await page.getByTestId(ids.appConfig.targetAdminPassword).inputValue(), 'configured');

    for (const r of responses) {
      const body = await r.text().catch(() => '');
      assert.ok(!body.includes(SECRET), `the secret came back in ${r.request().method()} ${r.url()}`);
    }
    assert.ok(
      responses.some((r) => r.url().endsWith(SETTINGS)),
      'settings responses were checked'
    );
  });

  // The plugin got the new settings: its limits list the saved prefixes.
  const limits = await api('Viewer', 'GET', `${RESOURCES}/limits`);
  assert.deepEqual(limits.data.allowedTargets, TARGETS);
  assert.ok(!JSON.stringify(limits.data).includes(SECRET));
  // A Viewer may not change settings (Grafana's rule, kept by the host).
  const denied = await api('Viewer', 'POST', SETTINGS, { jsonData: {} });
  assert.equal(denied.status, 403);
});
