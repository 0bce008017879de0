// Leftovers are visible: a run against an external target with a wrong target admin
// password cannot clean up; its card says how many records are left and why. After the
// Admin fixes the password, an Editor presses "Clean up" and the engine removes them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import {
  api,
  APP,
  ARTIFACTS,
  BASE_URL,
  ids,
  poll,
  RESOURCES,
  screenshot,
  SETTINGS,
  withPage,
  withSavedSettings,
} from './support.mjs';

const ctx = withSavedSettings();

async function saveSettings(target, password) {
  const res = await api('Admin', 'POST', SETTINGS, {
    jsonData: { ...ctx.saved.jsonData, allowedTargets: [`${target}/`] },
    secureJsonData: { targetAdminPassword: password },
  });
  assert.equal(res.status, 200, `saving the settings answered ${res.status} ${JSON.stringify(res.data)}`);
}

test('a run that leaves records says so, and Clean up removes them', async () => {
  const target = await (await fetch(`${BASE_URL}/e2e/target`)).json();
  await saveSettings(target.url, 'not-the-admin-password');
  const started = await api('Editor', 'POST', `${RESOURCES}/runs`, {
    users: 3,
    scenario: 'new_user',
    minRequestCount: 5,
    maxRequestCount: 8,
    durationSeconds: 4,
    delayMinMs: 10,
    delayMaxMs: 30,
    baseUrl: target.url,
  });
  assert.equal(started.status, 201, `POST /runs answered ${started.status} ${JSON.stringify(started.data)}`);
  const id = started.data.id;
  const ended = await poll('the run to end with leftovers', async () => {
    const { data } = await api('Viewer', 'GET', `${RESOURCES}/runs/${id}`);
    return data.state === 'leftovers' ? data : undefined;
  });
  assert.ok(ended.cleanup.left > 0, `cleanup ${JSON.stringify(ended.cleanup)}`);

  await withPage(ctx.browser, 'leftovers', async (page) => {
    await page.goto(`${APP}/simulations?role=Editor`);
    const card = page.getByTestId(ids.runs.card(id));
    const note = page.getByTestId(ids.runs.leftovers(id));
    await note.waitFor();
    const text = await note.innerText();
    assert.match(text, new RegExp(`${ended.cleanup.left} simulation records? left on the target`));
    assert.match(text, /targetAdminPassword/, 'the reason names the setting to fix');
    assert.match(await page.getByTestId(ids.runs.state(id)).innerText(), /leftovers/);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: path.join(ARTIFACTS, 'leftovers-card.png') });
    await screenshot(page, 'leftovers');

    // The Admin fixes the password; the Editor cleans up from the card.
    await saveSettings(target.url, target.adminPassword);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/runs/${id}/cleanup`)),
      page.getByTestId(ids.runs.cleanup(id)).click(),
    ]);
    assert.equal(res.status(), 200, `POST cleanup answered ${res.status()} ${await res.text()}`);
    await poll('the card to show the run finished and clean', async () =>
      /finished/.test(await page.getByTestId(ids.runs.state(id)).innerText())
    );
    assert.equal(await note.count(), 0, 'the leftovers note is gone');
    const { data } = await api('Viewer', 'GET', `${RESOURCES}/runs/${id}`);
    assert.equal(data.cleanup.left, 0);
    assert.equal(data.cleanup.verified, true);
    await card.screenshot({ path: path.join(ARTIFACTS, 'leftovers-cleaned.png') });
  });
});
