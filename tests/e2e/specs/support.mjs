// Shared by the browser specs (docs/e2e.md): Debian's chromium through playwright-core
// with a fresh profile, pages signed in with a role, screenshots, calls to the e2e host
// as a given user, and polling with deadlines.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.E2E_BASE_URL ?? '';
if (!BASE_URL) {
  throw new Error('E2E_BASE_URL is not set: run the specs with `npm run e2e`, which starts the e2e host');
}
export const APP = '/a/trafficsim-simulator-app';
export const RESOURCES = '/api/plugins/trafficsim-simulator-app/resources';
export const SETTINGS = '/api/plugins/trafficsim-simulator-app/settings';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? path.resolve(here, '..', 'artifacts');

// The flags the browser tests run chromium with (issue 10); launch() gives each
// browser a fresh temporary profile.
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

/** testIds mirrors src/components/testIds.ts (the ids the components render). */
export const ids = {
  runForm: {
    start: 'trafficsim-run-start',
    error: 'trafficsim-run-error',
    disabledReason: 'trafficsim-run-disabled-reason',
    input: (f) => `trafficsim-run-${f}`,
    loadModel: 'trafficsim-run-load-model',
    apiProfile: 'trafficsim-run-api-profile',
    check: 'trafficsim-run-check',
    checkTable: 'trafficsim-run-check-table',
    checkRow: (i) => `trafficsim-run-check-row-${i}`,
    checkSummary: 'trafficsim-run-check-summary',
  },
  runs: {
    card: (id) => `trafficsim-run-card-${id}`,
    config: (id) => `trafficsim-run-config-${id}`,
    state: (id) => `trafficsim-run-state-${id}`,
    stat: (id, n) => `trafficsim-run-${id}-stat-${n}`,
    stop: (id) => `trafficsim-run-stop-${id}`,
    recent: (id) => `trafficsim-run-recent-${id}`,
    live: (id) => `trafficsim-run-live-${id}`,
    leftovers: (id) => `trafficsim-run-leftovers-${id}`,
    cleanup: (id) => `trafficsim-run-cleanup-${id}`,
  },
  scenarios: { card: (n) => `trafficsim-scenario-${n}` },
  appConfig: {
    allowedTargets: 'trafficsim-config-allowed-targets',
    targetAdminPassword: 'trafficsim-config-target-admin-password',
    save: 'trafficsim-config-save',
    saved: 'trafficsim-config-saved',
    error: 'trafficsim-config-error',
    health: 'trafficsim-config-health',
    profileName: (i) => `trafficsim-config-profile-name-${i}`,
    profileYaml: (i) => `trafficsim-config-profile-yaml-${i}`,
    profileAdd: 'trafficsim-config-profile-add',
    tls: (i) => `trafficsim-config-tls-${i}`,
    tlsField: (i, f) => `trafficsim-config-tls-${i}-${f}`,
    tlsWarning: (i) => `trafficsim-config-tls-${i}-warning`,
  },
  panel: {
    root: 'trafficsim-control-panel',
    start: 'trafficsim-panel-start',
    stop: 'trafficsim-panel-stop',
    error: 'trafficsim-panel-error',
    state: 'trafficsim-panel-state',
    stat: (n) => `trafficsim-panel-stat-${n}`,
  },
};

/**
 * withPage runs fn with a page of a new browser context (the role's cookie set by the
 * page itself from ?role=). Uncaught page errors fail the test. A screenshot is saved
 * when fn fails (<name>-failure.png); fn saves its own on success.
 */
export async function withPage(browser, name, fn) {
  await mkdir(ARTIFACTS, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: BASE_URL });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await fn(page);
    if (pageErrors.length > 0) {
      throw new Error(`uncaught errors in the page: ${pageErrors.join(' | ')}`);
    }
  } catch (err) {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-failure.png`), fullPage: true }).catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
}

export function screenshot(page, name) {
  return page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** api calls the e2e host as a user with role, as the page does. */
export async function api(role, method, url, body) {
  const res = await fetch(BASE_URL + url, {
    method,
    headers: { Cookie: `trafficsim_e2e_role=${role}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: res.status, data };
}

/** poll returns fn's first truthy result, failing with what was awaited after timeoutMs. */
export async function poll(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) {
        return v;
      }
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** count reads a figure the page shows ("1,234") as a number. */
export function count(text) {
  const digits = (text ?? '').replace(/[^0-9]/g, '');
  return digits === '' ? NaN : Number(digits);
}

/** stopAll stops every active run (as an Editor) so each spec starts with free slots. */
export async function stopAll() {
  const { data } = await api('Editor', 'GET', `${RESOURCES}/runs`);
  for (const r of data.runs ?? []) {
    if (r.state === 'starting' || r.state === 'running' || r.state === 'stopping') {
      await api('Editor', 'POST', `${RESOURCES}/runs/${r.id}/stop`, { graceful: false });
    }
  }
}

/**
 * withSavedSettings sets up a spec that changes the app settings: before its tests it
 * stops every run, remembers the settings and opens the browser (ctx.browser,
 * ctx.saved); after them it closes the browser and puts the settings back, removing
 * every secret the spec stored.
 */
export function withSavedSettings() {
  const ctx = {};
  before(async () => {
    await stopAll();
    ctx.saved = (await api('Admin', 'GET', SETTINGS)).data;
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    const reset = { targetAdminPassword: '' };
    for (const key of Object.keys((await api('Admin', 'GET', SETTINGS)).data.secureJsonFields ?? {})) {
      reset[key] = '';
    }
    await api('Admin', 'POST', SETTINGS, { jsonData: ctx.saved.jsonData, secureJsonData: reset });
  });
  return ctx;
}
