// The Scenarios page shows each built-in scenario with the archetypes and request mix
// the engine reports (GET /scenarios, from the scenario files).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { APP, ids, launchBrowser, screenshot, withPage } from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test('Scenarios page shows archetype shares, request mix and journeys', async () => {
  await withPage(browser, 'scenarios', async (page) => {
    await page.goto(`${APP}/scenarios?role=Viewer`);
    const mixed = page.getByTestId(ids.scenarios.card('mixed'));
    await mixed.waitFor();
    const text = await mixed.innerText();
    // engine/scenario/builtin/mixed.yaml: archetypes 25/40/10/25, mix 20/35/15/15/10/5.
    for (const tag of [
      'new_user 25%',
      'active_user 40%',
      'admin 10%',
      'power_user 25%',
      'auth 20%',
      'user_query 35%',
      'role_permission 10%',
    ]) {
      assert.ok(text.includes(tag), `mixed shows "${tag}": ${text}`);
    }
    await mixed.getByText('Journeys').click();
    await mixed
      .getByText(/signup → login/)
      .first()
      .waitFor();
    for (const name of [
      'development',
      'load_test',
      'metrics_generation',
      'new_user',
      'active_user',
      'admin',
      'power_user',
    ]) {
      await page.getByTestId(ids.scenarios.card(name)).waitFor();
    }
    await screenshot(page, 'scenarios');
  });
});
