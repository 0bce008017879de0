// The Simulation control panel, as on a dashboard: start a run from it, see its live
// figures, stop it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { ARTIFACTS, count, ids, launchBrowser, poll, RESOURCES, screenshot, stopAll, withPage } from './support.mjs';

let browser;
before(async () => {
  await stopAll();
  browser = await launchBrowser();
});
after(() => browser?.close());

test('control panel starts and stops a run', async () => {
  await withPage(browser, 'control-panel', async (page) => {
    // Panel options as the dashboard would set them.
    await page.goto('/e2e/panel?role=Editor&users=3&duration=45&showRecent=1');
    const start = page.getByTestId(ids.panel.start);
    await start.waitFor();
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/runs`) && r.request().method() === 'POST'),
      start.click(),
    ]);
    assert.equal(res.status(), 201, await res.text());
    const sent = res.request().postDataJSON();
    assert.equal(sent.users, 3);
    assert.equal(sent.durationSeconds, 45);
    const run = await res.json();

    const state = page.getByTestId(ids.panel.state);
    await poll('the panel to show the run running', async () => /running/.test(await state.innerText()));
    const requests = page.getByTestId(ids.panel.stat('requests'));
    const first = await poll('requests to be counted', async () => count(await requests.innerText()) || 0);
    await poll('requests to rise', async () => count(await requests.innerText()) > first);
    assert.match(await page.getByTestId(ids.panel.stat('users')).innerText(), /\/ 3$/);
    await screenshot(page, 'control-panel');
    await page.getByTestId('e2e-panel-frame').screenshot({ path: path.join(ARTIFACTS, 'control-panel-frame.png') });

    const [stopRes] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/runs/${run.id}/stop`)),
      page.getByTestId(ids.panel.stop).click(),
    ]);
    assert.equal(stopRes.status(), 200, await stopRes.text());
    await poll('the panel to show the run finished', async () => /finished/.test(await state.innerText()), 20000);
    await screenshot(page, 'control-panel-stopped');
  });
});
