import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LiveChannelConnectionState, OrgRole } from '@grafana/data';

import { RunStatus } from '../api/types';
import { testIds } from '../components/testIds';
import {
  FakeBackend,
  FakeLive,
  installNoLive,
  limitsFixture,
  R,
  runFixture,
  scenariosFixture,
  signInAs,
  validateWith,
} from '../test/services';
import { Simulations } from './Simulations';

function backend(runs: RunStatus[] = []) {
  return new FakeBackend()
    .on('GET', `${R}/limits`, { status: 200, data: limitsFixture })
    .on('GET', `${R}/scenarios`, { status: 200, data: { scenarios: scenariosFixture } })
    .on('GET', `${R}/runs`, () => ({ status: 200, data: { runs } }))
    .install();
}

function renderPage(search = '') {
  return render(
    <MemoryRouter
      initialEntries={[`/a/trafficsim-simulator-app/simulations${search}`]}
      future={{ v7_startTransition: true, v7_relativeSplatPath: true }}
    >
      <Simulations />
    </MemoryRouter>
  );
}

// Buttons with a tooltip are disabled with aria-disabled (so the tooltip still shows).
function expectDisabled(el: HTMLElement) {
  expect(el.hasAttribute('disabled') || el.getAttribute('aria-disabled') === 'true').toBe(true);
}

function expectEnabled(el: HTMLElement) {
  expect(el).toBeEnabled();
  expect(el).not.toHaveAttribute('aria-disabled', 'true');
}

const input = (field: string) => screen.getByTestId(testIds.runForm.input(field)) as HTMLInputElement;

async function setField(user: ReturnType<typeof userEvent.setup>, field: string, value: string) {
  await user.clear(input(field));
  if (value !== '') {
    await user.type(input(field), value);
  }
}

describe('Simulations page', () => {
  let live: FakeLive;
  beforeEach(() => {
    live = new FakeLive().install();
    signInAs(OrgRole.Editor);
  });

  describe('start form', () => {
    it('pre-fills every run field from GET /limits and lists the scenarios with descriptions', async () => {
      backend();
      renderPage();
      await waitFor(() => expect(input('users')).toHaveValue(100));
      expect(input('minRequestCount')).toHaveValue(10);
      expect(input('maxRequestCount')).toHaveValue(1000);
      expect(input('durationSeconds')).toHaveValue(300);
      expect(input('delayMinMs')).toHaveValue(100);
      expect(input('delayMaxMs')).toHaveValue(2000);
      expect(input('seed')).toHaveValue(0);
      expect(input('baseUrl')).toHaveValue('');
      // The selected scenario's description, the limit and the allowlist are on the form.
      expect(screen.getByText('Every archetype, the request mix of a typical day.')).toBeInTheDocument();
      expect(screen.getByText(/1 to 200 \(the app's limit\)/)).toBeInTheDocument();
      expect(screen.getByText(/Allowed targets: http:\/\/127\.0\.0\.1:9501\//)).toBeInTheDocument();

      // The scenario picker offers every scenario with its description.
      const user = userEvent.setup();
      await user.click(screen.getByRole('combobox'));
      const listbox = await screen.findByRole('listbox');
      for (const s of scenariosFixture) {
        expect(within(listbox).getByText(s.name)).toBeInTheDocument();
        expect(within(listbox).getByText(s.description)).toBeInTheDocument();
      }
      await user.click(within(listbox).getByText('load_test'));
      expect(screen.getByText('Many short sessions, short think time: throughput.')).toBeInTheDocument();
    });

    it('preselects the scenario named in the URL', async () => {
      backend();
      renderPage('?scenario=metrics_generation');
      expect(await screen.findByText(/Aims at 85% success/)).toBeInTheDocument();
    });

    it("shows the backend's validation inline and sends nothing while invalid", async () => {
      const b = backend().on(
        'POST',
        `${R}/validate`,
        validateWith({
          users: (c) =>
            c.users > 200
              ? `${c.users} is above the limit of 200 users per run (the app's maxUsers setting)`
              : undefined,
          maxRequestCount: (c) =>
            c.maxRequestCount < c.minRequestCount
              ? `must be at least the minimum request count (${c.minRequestCount})`
              : undefined,
          baseUrl: (c) => (c.baseUrl.startsWith('ftp:') ? 'must start with http:// or https://' : undefined),
        })
      );
      const user = userEvent.setup();
      renderPage();
      await waitFor(() => expect(input('users')).toHaveValue(100));

      await setField(user, 'users', '201');
      expect(
        await screen.findByText("201 is above the limit of 200 users per run (the app's maxUsers setting)")
      ).toBeInTheDocument();
      await setField(user, 'minRequestCount', '50');
      await setField(user, 'maxRequestCount', '20');
      expect(await screen.findByText('must be at least the minimum request count (50)')).toBeInTheDocument();
      await setField(user, 'baseUrl', 'ftp://example.com');
      expect(await screen.findByText('must start with http:// or https://')).toBeInTheDocument();

      await user.click(screen.getByTestId(testIds.runForm.start));
      expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(0);

      // Fixing a field clears its error.
      await setField(user, 'users', '200');
      await waitFor(() => expect(screen.queryByText(/is above the limit of 200 users/)).not.toBeInTheDocument());
    });

    it('starts a run with every field in the body and lists it', async () => {
      const started = runFixture({ id: 'abc123', state: 'starting' });
      const b = backend().on('POST', `${R}/runs`, { status: 201, data: started });
      const user = userEvent.setup();
      renderPage();
      await waitFor(() => expect(input('users')).toHaveValue(100));

      await setField(user, 'users', '25');
      await setField(user, 'minRequestCount', '5');
      await setField(user, 'maxRequestCount', '40');
      await setField(user, 'durationSeconds', '90');
      await setField(user, 'delayMinMs', '0');
      await setField(user, 'delayMaxMs', '250');
      await setField(user, 'seed', '42');
      await setField(user, 'baseUrl', 'http://127.0.0.1:9501/');
      await setField(user, 'rampUpSeconds', '30');
      await setField(user, 'maxRps', '12.5');
      await user.click(screen.getByTestId(testIds.runForm.start));

      await waitFor(() => expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(1));
      expect(b.callsTo('POST', `${R}/runs`)[0].data).toEqual({
        users: 25,
        minRequestCount: 5,
        maxRequestCount: 40,
        durationSeconds: 90,
        baseUrl: 'http://127.0.0.1:9501/',
        delayMinMs: 0,
        delayMaxMs: 250,
        scenario: 'mixed',
        seed: 42,
        // The default model is fixed users: its ramp-up, the cap, the others empty.
        rampUpSeconds: 30,
        stages: '',
        rate: '',
        rateStages: '',
        maxVus: 0,
        maxRps: 12.5,
      });
      expect(await screen.findByTestId(testIds.runs.card('abc123'))).toBeInTheDocument();
      expect(screen.getByTestId(testIds.runs.state('abc123'))).toHaveTextContent('starting');
    });
  });

  describe('backend errors', () => {
    async function startWith(reply: { status: number; data: unknown }) {
      backend().on('POST', `${R}/runs`, reply);
      const user = userEvent.setup();
      renderPage();
      await waitFor(() => expect(input('users')).toHaveValue(100));
      await user.click(screen.getByTestId(testIds.runForm.start));
      return screen.findByTestId(testIds.runForm.error);
    }

    it('shows a 400 field error at the field and in the alert', async () => {
      const alert = await startWith({
        status: 400,
        data: { error: 'seed: must be 0 (chosen by the engine) or a positive number', field: 'seed' },
      });
      expect(alert).toHaveTextContent('Invalid setting: seed');
      expect(alert).toHaveTextContent('seed: must be 0 (chosen by the engine) or a positive number');
      // Inline, under the seed input too.
      expect(screen.getAllByText('seed: must be 0 (chosen by the engine) or a positive number')).toHaveLength(2);
    });

    it('shows a 403 refusal of the target readably', async () => {
      const msg =
        "baseUrl: http://10.0.0.1:80/ is not in the app's allowedTargets; an Admin can add a prefix that covers it";
      const alert = await startWith({ status: 403, data: { error: msg, field: 'baseUrl' } });
      expect(alert).toHaveTextContent('Not allowed');
      expect(alert).toHaveTextContent(msg);
    });

    it('shows a 409 concurrency refusal readably', async () => {
      const alert = await startWith({
        status: 409,
        data: { error: '2 runs are already active (maxConcurrentRuns 2)' },
      });
      expect(alert).toHaveTextContent('Too many runs');
      expect(alert).toHaveTextContent('2 runs are already active (maxConcurrentRuns 2)');
    });

    it('says so when the backend cannot be reached', async () => {
      backend().on('GET', `${R}/limits`, () => Promise.reject(new Error('Failed to fetch')));
      renderPage();
      expect(await screen.findByText('The plugin backend could not be reached')).toBeInTheDocument();
      expect(screen.getByText('Loading the limits: Failed to fetch')).toBeInTheDocument();
    });
  });

  describe('roles', () => {
    it('shows Viewers everything with Start and Stop disabled and the reason', async () => {
      signInAs(OrgRole.Viewer);
      const b = backend([runFixture({ id: 'run1' })]);
      const user = userEvent.setup();
      renderPage();
      const start = await screen.findByTestId(testIds.runForm.start);
      expectDisabled(start);
      expect(screen.getByTestId(testIds.runForm.disabledReason)).toHaveTextContent(
        'Starting and stopping simulations needs the Editor or Admin role; you are signed in as Viewer.'
      );
      const stop = await screen.findByTestId(testIds.runs.stop('run1'));
      expectDisabled(stop);
      // The run and its stats are visible.
      expect(screen.getByTestId(testIds.runs.stat('run1', 'requests'))).toHaveTextContent('5,230');
      // Clicking anyway sends nothing.
      await user.click(start);
      await user.click(stop);
      expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(0);
      expect(b.callsTo('POST', `${R}/runs/run1/stop`)).toHaveLength(0);
    });

    it('lets Admins start and stop', async () => {
      signInAs(OrgRole.Admin);
      backend([runFixture({ id: 'run1' })]);
      renderPage();
      expectEnabled(await screen.findByTestId(testIds.runForm.start));
      expectEnabled(await screen.findByTestId(testIds.runs.stop('run1')));
    });
  });

  describe('runs', () => {
    it('stops a run gracefully, then "Stop now" cancels in-flight requests', async () => {
      const running = runFixture({ id: 'run1' });
      const b = backend([running]).on('POST', `${R}/runs/run1/stop`, (call) => ({
        status: 200,
        data: (call.data as { graceful: boolean }).graceful
          ? { ...running, state: 'stopping' }
          : { ...running, state: 'finished', endedAt: '2026-11-23T03:01:05Z' },
      }));
      const user = userEvent.setup();
      renderPage();
      await user.click(await screen.findByTestId(testIds.runs.stop('run1')));
      await waitFor(() => expect(screen.getByTestId(testIds.runs.state('run1'))).toHaveTextContent('stopping'));
      expect(b.callsTo('POST', `${R}/runs/run1/stop`)[0].data).toEqual({ graceful: true });

      await user.click(screen.getByRole('button', { name: /stop now/i }));
      await waitFor(() => expect(screen.getByTestId(testIds.runs.state('run1'))).toHaveTextContent('finished'));
      expect(b.callsTo('POST', `${R}/runs/run1/stop`)[1].data).toEqual({ graceful: false });
      expect(screen.queryByTestId(testIds.runs.stop('run1'))).not.toBeInTheDocument();
    });

    it("shows a run's leftovers and cleans them up", async () => {
      const leftovers = runFixture({
        id: 'run1',
        state: 'leftovers',
        endedAt: '2026-11-23T03:01:05Z',
        cleanup: {
          created: 3,
          deleted: 0,
          gone: 0,
          left: 3,
          leftNames: ['sim_run1_u0_1', 'sim_run1_u1_1', 'sim_run1_u2_1'],
          verified: false,
          reason: 'could not log in to verify: log in as admin "admin" for the cleanup: answered 401',
          error: 'log in as admin "admin" for the cleanup: answered 401',
        },
      });
      const b = backend([leftovers]).on('POST', `${R}/runs/run1/cleanup`, {
        status: 200,
        data: {
          ...leftovers,
          state: 'finished',
          cleanup: { ...leftovers.cleanup, deleted: 3, left: 0, leftNames: [], verified: true, reason: '', error: '' },
        },
      });
      const user = userEvent.setup();
      renderPage();
      const note = await screen.findByTestId(testIds.runs.leftovers('run1'));
      expect(note).toHaveTextContent('At least 3 simulation records left on the target');
      expect(note).toHaveTextContent('deleted 0 of 3');
      expect(note).toHaveTextContent('answered 401');
      expect(note).not.toHaveTextContent('Not verified'); // the error says why
      expect(note).toHaveTextContent('sim_run1_u2_1');
      await user.click(screen.getByTestId(testIds.runs.cleanup('run1')));
      await waitFor(() => expect(screen.getByTestId(testIds.runs.state('run1'))).toHaveTextContent('finished'));
      expect(b.callsTo('POST', `${R}/runs/run1/cleanup`)).toHaveLength(1);
      expect(screen.queryByTestId(testIds.runs.leftovers('run1'))).not.toBeInTheDocument();
    });

    it('says why a cleanup that found nothing is not verified', async () => {
      backend([
        runFixture({
          id: 'run1',
          state: 'leftovers',
          endedAt: '2026-11-23T03:01:05Z',
          cleanup: {
            created: 3,
            deleted: 0,
            gone: 0,
            left: 3,
            leftNames: [],
            verified: false,
            reason:
              "by the target's search alone: it listed nothing to read by id, so nothing shows it finds the run's records",
            error: '',
          },
        }),
      ]);
      renderPage();
      const note = await screen.findByTestId(testIds.runs.leftovers('run1'));
      expect(note).toHaveTextContent('At least 3 simulation records left on the target');
      expect(note).toHaveTextContent("Not verified: by the target's search alone");
    });

    it("warns on a run whose target's certificate is not verified", async () => {
      const warning =
        "the target's TLS certificate is NOT verified (skip-verify is on for this target in the app's settings)";
      backend([runFixture({ id: 'run1', warnings: [warning] }), runFixture({ id: 'run2', warnings: [] })]);
      renderPage();
      expect(await screen.findByTestId(testIds.runs.warnings('run1'))).toHaveTextContent('NOT verified');
      expect(screen.queryByTestId(testIds.runs.warnings('run2'))).not.toBeInTheDocument();
    });

    it('offers Clean up to Editors only', async () => {
      signInAs(OrgRole.Viewer);
      backend([
        runFixture({
          id: 'run1',
          state: 'leftovers',
          endedAt: '2026-11-23T03:01:05Z',
          cleanup: {
            created: 1,
            deleted: 0,
            gone: 0,
            left: 1,
            leftNames: [],
            verified: false,
            reason: 'could not verify: timeout',
            error: 'timeout',
          },
        }),
      ]);
      renderPage();
      expectDisabled(await screen.findByTestId(testIds.runs.cleanup('run1')));
    });

    it('shows a failed stop readably', async () => {
      backend([runFixture({ id: 'run1' })]).on('POST', `${R}/runs/run1/stop`, {
        status: 404,
        data: { error: 'no such run (runs are forgotten some time after they end)' },
      });
      const user = userEvent.setup();
      renderPage();
      await user.click(await screen.findByTestId(testIds.runs.stop('run1')));
      const alert = await screen.findByTestId(testIds.runs.stopError('run1'));
      expect(alert).toHaveTextContent('Not found');
      expect(alert).toHaveTextContent('no such run (runs are forgotten some time after they end)');
    });

    it('renders live updates from the Grafana Live stream runs/{id}', async () => {
      backend([runFixture({ id: 'run1' })]);
      renderPage();
      const channel = 'plugin/trafficsim-simulator-app/runs/run1';
      await waitFor(() => expect(live.subscribed(channel)).toBe(true));
      expect(screen.getByTestId(testIds.runs.stat('run1', 'requests'))).toHaveTextContent('5,230');

      act(() => {
        live.status(channel, LiveChannelConnectionState.Connected);
        live.push(
          channel,
          runFixture({
            id: 'run1',
            stats: {
              ...runFixture({ id: 'run1' }).stats,
              requests: 6100,
              rps: 91.3,
              elapsedSeconds: 61,
              p95LatencyMs: 12.4,
            },
            recent: [
              {
                time: '2026-11-23T03:01:01.500Z',
                vu: 3,
                method: 'POST',
                route: '/api/v1/auth/login',
                status: 401,
                latencyMs: 7.25,
              },
              {
                time: '2026-11-23T03:01:01.900Z',
                vu: 9,
                method: 'DELETE',
                route: '/api/v1/users/{id}',
                status: 503,
                latencyMs: 20,
              },
            ],
          })
        );
      });
      expect(screen.getByTestId(testIds.runs.stat('run1', 'requests'))).toHaveTextContent('6,100');
      expect(screen.getByTestId(testIds.runs.stat('run1', 'rps'))).toHaveTextContent('91.3');
      expect(screen.getByTestId(testIds.runs.stat('run1', 'p95'))).toHaveTextContent('12.4 ms');
      expect(screen.getByTestId(testIds.runs.live('run1'))).toHaveTextContent('live');
      const feed = screen.getByTestId(testIds.runs.recent('run1'));
      expect(within(feed).getByText('/api/v1/auth/login')).toBeInTheDocument();
      expect(within(feed).getByText('401')).toBeInTheDocument();
      expect(within(feed).getByText('503')).toBeInTheDocument();

      // An older status (a late list refresh) never moves the figures back.
      act(() => live.push(channel, runFixture({ id: 'run1' })));
      expect(screen.getByTestId(testIds.runs.stat('run1', 'requests'))).toHaveTextContent('6,100');

      // The final status ends the subscription and hides Stop.
      act(() =>
        live.push(
          channel,
          runFixture({
            id: 'run1',
            state: 'finished',
            endedAt: '2026-11-23T03:02:00Z',
            stats: { ...runFixture({ id: 'run1' }).stats, elapsedSeconds: 120 },
          })
        )
      );
      expect(screen.getByTestId(testIds.runs.state('run1'))).toHaveTextContent('finished');
      expect(screen.queryByTestId(testIds.runs.stop('run1'))).not.toBeInTheDocument();
      await waitFor(() => expect(live.subscribed(channel)).toBe(false));
    });

    it('polls GET /runs/{id} when Grafana Live is unavailable', async () => {
      jest.useFakeTimers();
      try {
        installNoLive();
        let requests = 5230;
        const b = backend([runFixture({ id: 'run1' })]).on('GET', `${R}/runs/run1`, () => {
          requests += 1000;
          return {
            status: 200,
            data: runFixture({
              id: 'run1',
              stats: { ...runFixture({ id: 'run1' }).stats, requests, elapsedSeconds: requests / 100 },
            }),
          };
        });
        renderPage();
        await act(async () => {
          await jest.advanceTimersByTimeAsync(100);
        });
        expect(screen.getByTestId(testIds.runs.stat('run1', 'requests'))).toHaveTextContent('5,230');
        expect(screen.getByTestId(testIds.runs.live('run1'))).toHaveTextContent('polling');

        await act(async () => {
          await jest.advanceTimersByTimeAsync(4100);
        });
        expect(b.callsTo('GET', `${R}/runs/run1`).length).toBeGreaterThanOrEqual(1);
        expect(screen.getByTestId(testIds.runs.stat('run1', 'requests'))).not.toHaveTextContent('5,230');
        const shown = Number(screen.getByTestId(testIds.runs.stat('run1', 'requests')).textContent?.replace(/,/g, ''));
        expect(shown).toBe(requests);
      } finally {
        jest.useRealTimers();
      }
    });

    it('links each run to the simulator dashboard filtered to it', async () => {
      backend([runFixture({ id: 'run1', state: 'finished', endedAt: '2026-11-23T03:05:00Z' })]);
      renderPage();
      const link = await screen.findByTestId(testIds.runs.dashboard('run1'));
      const href = new URL(link.getAttribute('href') ?? '', 'http://grafana.local');
      expect(href.pathname).toBe('/d/trafficsim-overview');
      expect(href.searchParams.get('var-run')).toBe('run1');
      expect(href.searchParams.get('from')).toBe(String(Date.parse('2026-11-23T03:00:00Z') - 60_000));
      expect(href.searchParams.get('to')).toBe(String(Date.parse('2026-11-23T03:05:00Z') + 60_000));
    });

    it("shows each run's load model with its settings", async () => {
      const config = runFixture({ id: 'x' }).config;
      backend([
        runFixture({
          id: 'open1',
          config: { ...config, rate: '300/s', maxVus: 200, durationSeconds: 60 },
          stats: {
            ...runFixture({ id: 'x' }).stats,
            model: 'open',
            targetRate: 300,
            iterations: 1234,
            droppedIterations: 5,
          },
        }),
        runFixture({
          id: 'staged1',
          config: { ...config, stages: '30s:100,1m0s:500,30s:0', maxRps: 50 },
          stats: { ...runFixture({ id: 'x' }).stats, model: 'closed', targetUsers: 320, stage: 2 },
        }),
        runFixture({ id: 'ramped1', config: { ...config, rampUpSeconds: 30 } }),
      ]);
      renderPage();
      expect(await screen.findByTestId(testIds.runs.config('open1'))).toHaveTextContent(
        'mixed · open model 300/s (pool 200 VUs) · 10–1000 requests each · 60s limit'
      );
      expect(screen.getByTestId(testIds.runs.config('staged1'))).toHaveTextContent(
        'mixed · VU stages 30s:100,1m0s:500,30s:0 · max 50 req/s · 10–1000'
      );
      expect(screen.getByTestId(testIds.runs.config('ramped1'))).toHaveTextContent(
        'mixed · 50 users ramped up over 30s · 10–1000'
      );
      // What the model asks for now: the open model's rate and dropped arrivals, the stage's VUs.
      expect(screen.getByTestId(testIds.runs.stat('open1', 'target'))).toHaveTextContent('300.0/s');
      expect(screen.getByTestId(testIds.runs.stat('open1', 'iterations'))).toHaveTextContent('1,234');
      expect(screen.getByTestId(testIds.runs.stat('open1', 'dropped'))).toHaveTextContent('5');
      expect(screen.getByTestId(testIds.runs.stat('staged1', 'target'))).toHaveTextContent('320 · stage 2');
      // A run of fixed users has no moving target to show.
      expect(screen.queryByTestId(testIds.runs.stat('ramped1', 'target'))).not.toBeInTheDocument();
    });

    it('says when the engine is protecting the target, while the run is active', async () => {
      const stats = {
        ...runFixture({ id: 'x' }).stats,
        breakers: [{ group: 'profile', state: 'open' as const }],
        degradation: 'light',
      };
      backend([
        runFixture({ id: 'guarded1', stats }),
        runFixture({ id: 'calm1' }),
        runFixture({ id: 'ended1', state: 'finished', endedAt: '2026-11-23T03:05:00Z', stats }),
      ]);
      renderPage();
      expect(await screen.findByTestId(testIds.runs.resilience('guarded1'))).toHaveTextContent(
        'circuit open: profile · degraded: light (no admin actions, no deliberate mistakes)'
      );
      expect(screen.queryByTestId(testIds.runs.resilience('calm1'))).not.toBeInTheDocument();
      expect(screen.queryByTestId(testIds.runs.resilience('ended1'))).not.toBeInTheDocument();
    });

    it('shows why a run failed', async () => {
      backend([
        runFixture({
          id: 'run9',
          state: 'failed',
          endedAt: '2026-11-23T03:00:05Z',
          error: 'engine exited: signal: killed',
        }),
      ]);
      renderPage();
      expect(await screen.findByText('engine exited: signal: killed')).toBeInTheDocument();
    });
  });
});
