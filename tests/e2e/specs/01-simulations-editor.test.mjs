// As an Editor: open Simulations, fill the form, start a run on the embedded target,
// see live stats rise over the Live bridge and the recent-requests feed, stop it, see
// it finished; then start an arrival-rate run and watch its iterations.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { APP, count, ids, launchBrowser, poll, RESOURCES, screenshot, stopAll, withPage } from './support.mjs';

let browser;
before(async () => {
  await stopAll();
  browser = await launchBrowser();
});
after(() => browser?.close());

// fillAndStart fills the form's fields (by name), presses Start and returns the POST
// body and the started run.
async function fillAndStart(page, fields) {
  for (const [field, value] of Object.entries(fields)) {
    await page.getByTestId(ids.runForm.input(field)).fill(value);
  }
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/runs`) && r.request().method() === 'POST'),
    page.getByTestId(ids.runForm.start).click(),
  ]);
  assert.equal(res.status(), 201, `POST /runs answered ${res.status()} ${await res.text()}`);
  return { sent: res.request().postDataJSON(), run: await res.json() };
}

test('Editor starts a run on the embedded target, watches it live and stops it', async () => {
  await withPage(browser, 'simulations-editor', async (page) => {
    await page.goto(`${APP}/simulations?role=Editor`);
    await page.getByTestId(ids.runForm.start).waitFor();

    // The scenario picker (@grafana/ui Combobox) and every numeric field. The form
    // may re-render with its loaded settings as the text goes in, putting the
    // selected scenario's name back ("No options found" for what was typed): type
    // and pick again until the option is taken (the request asserted below shows it).
    const scenario = page.getByRole('combobox').first();
    await poll('the metrics_generation option picked', async () => {
      await scenario.click();
      await scenario.fill('metrics_generation');
      await page.getByRole('option', { name: /metrics_generation/ }).click({ timeout: 3000 });
      return (await scenario.inputValue()).includes('metrics_generation');
    });
    const fields = {
      users: '4',
      durationSeconds: '60',
      minRequestCount: '300',
      maxRequestCount: '600',
      delayMinMs: '20',
      delayMaxMs: '120',
      seed: '7',
    };
    const { sent, run } = await fillAndStart(page, fields);
    assert.deepEqual(
      { ...sent, baseUrl: sent.baseUrl ?? '' },
      {
        scenario: 'metrics_generation',
        users: 4,
        durationSeconds: 60,
        minRequestCount: 300,
        maxRequestCount: 600,
        delayMinMs: 20,
        delayMaxMs: 120,
        seed: 7,
        baseUrl: '',
        // The default load model (fixed users, no ramp-up, no cap): the others' fields empty.
        rampUpSeconds: 0,
        stages: '',
        rate: '',
        rateStages: '',
        maxVus: 0,
        maxRps: 0,
      }
    );
    assert.ok(run.id, 'the started run has an id');

    const card = page.getByTestId(ids.runs.card(run.id));
    await card.waitFor();
    await poll('the run to be running', async () =>
      /running/.test(await page.getByTestId(ids.runs.state(run.id)).innerText())
    );
    // Updates arrive over the Live stream (the host's bridge of RunStream), not polling.
    await poll('the run to show "live"', async () =>
      /live/.test(await page.getByTestId(ids.runs.live(run.id)).innerText())
    );

    const requests = page.getByTestId(ids.runs.stat(run.id, 'requests'));
    const first = await poll('requests to be counted', async () => {
      const n = count(await requests.innerText());
      return n > 0 ? n : 0;
    });
    const risen = await poll('requests to rise', async () => {
      const n = count(await requests.innerText());
      return n > first ? n : 0;
    });
    assert.ok(risen > first, `requests rose from ${first} to ${risen}`);
    assert.match(await page.getByTestId(ids.runs.stat(run.id, 'users')).innerText(), /\/ 4$/);

    // The recent-requests feed: route templates of the user-service API with statuses.
    const feed = page.getByTestId(ids.runs.recent(run.id));
    await poll('the recent-requests feed', async () => /\/api\/v1\//.test(await feed.innerText()));
    const feedText = await feed.innerText();
    assert.doesNotMatch(feedText, /\/api\/v1\/users\/\d+/, 'routes are templates, never raw ids');
    await screenshot(page, 'simulations-mid-run');

    const [stopRes] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/runs/${run.id}/stop`)),
      page.getByTestId(ids.runs.stop(run.id)).click(),
    ]);
    assert.equal(stopRes.status(), 200);
    assert.deepEqual(stopRes.request().postDataJSON(), { graceful: true });
    await poll(
      'the run to be finished',
      async () => /finished/.test(await page.getByTestId(ids.runs.state(run.id)).innerText()),
      20000
    );
    const final = count(await requests.innerText());
    assert.ok(final >= risen, `final requests ${final} ≥ ${risen}`);
    await assert.rejects(
      page.getByTestId(ids.runs.stop(run.id)).waitFor({ timeout: 500 }),
      'an ended run has no Stop button'
    );
    await screenshot(page, 'simulations-finished');
  });
});

// The open model end to end: the form sends the rate, the engine runs arrivals on the
// pool, and the card shows the rate asked for and the iterations as they happen.
test('Editor starts an arrival-rate run and watches its iterations', async () => {
  await withPage(browser, 'simulations-open-model', async (page) => {
    await page.goto(`${APP}/simulations?role=Editor`);
    await page.getByTestId(ids.runForm.start).waitFor();

    // Grafana's RadioButtonGroup lays the radio input over its label: pick the input.
    await page
      .getByTestId(ids.runForm.loadModel)
      .getByRole('radio', { name: /Arrival rate/ })
      .check();
    const fields = { rate: '20/s', maxVus: '3', durationSeconds: '4', delayMinMs: '20', delayMaxMs: '60' };
    const { sent, run } = await fillAndStart(page, fields);
    assert.equal(sent.rate, '20/s');
    assert.equal(sent.maxVus, 3);
    assert.equal(sent.stages, '');
    assert.equal(sent.rampUpSeconds, 0);

    await page.getByTestId(ids.runs.card(run.id)).waitFor();
    assert.match(await page.getByTestId(ids.runs.config(run.id)).innerText(), /open model 20\/s \(pool 3 VUs\)/);
    const iterations = page.getByTestId(ids.runs.stat(run.id, 'iterations'));
    await poll('iterations to be counted', async () => count(await iterations.innerText()) > 0);
    assert.match(await page.getByTestId(ids.runs.stat(run.id, 'target')).innerText(), /20\.0\/s/);
    await screenshot(page, 'simulations-open-model');
    // The duration ends it: no Stop needed.
    await poll(
      'the run to finish by its duration',
      async () => /finished/.test(await page.getByTestId(ids.runs.state(run.id)).innerText()),
      20000
    );
    assert.match(await page.getByTestId(ids.runs.stat(run.id, 'users')).innerText(), /\/ 3$/);
  });
});
