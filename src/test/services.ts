// Test doubles of the two Grafana services the components use, installed through
// @grafana/runtime's own setters (setBackendSrv, setGrafanaLiveSrv) and config.bootData.user:
// the same seams a host page uses to point the components at a real backend.
import { Observable, Subject, of, throwError } from 'rxjs';
import {
  LiveChannelAddress,
  LiveChannelConnectionState,
  LiveChannelEvent,
  LiveChannelEventType,
  OrgRole,
} from '@grafana/data';
import {
  BackendSrv,
  BackendSrvRequest,
  config,
  FetchResponse,
  GrafanaLiveSrv,
  setBackendSrv,
  setGrafanaLiveSrv,
} from '@grafana/runtime';

import { Limits, RunConfig, RunStatus, Scenario } from '../api/types';
import { zeroRunStats } from '../api/types.gen';

export interface Call {
  method: string;
  url: string;
  data?: unknown;
}

export interface Reply {
  status: number;
  data: unknown;
}

type Handler = (call: Call) => Reply | Promise<Reply>;

/** FakeBackend answers fetch() from a table of "METHOD /path" handlers and records every call. */
export class FakeBackend {
  calls: Call[] = [];
  private routes = new Map<string, Handler>();

  on(method: string, path: string, handler: Handler | Reply): this {
    this.routes.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler);
    return this;
  }

  callsTo(method: string, path: string): Call[] {
    return this.calls.filter((c) => c.method === method && c.url === path);
  }

  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    const method = (options.method ?? 'GET').toUpperCase();
    const call: Call = { method, url: options.url, data: options.data };
    this.calls.push(call);
    const handler = this.routes.get(`${method} ${options.url}`);
    return new Observable<FetchResponse<T>>((sub) => {
      Promise.resolve(handler ? handler(call) : { status: 404, data: { message: `no route ${method} ${options.url}` } })
        .then((reply) => {
          if (reply.status >= 400) {
            sub.error({ status: reply.status, statusText: `HTTP ${reply.status}`, data: reply.data, config: options });
            return;
          }
          sub.next({
            data: reply.data as T,
            status: reply.status,
            statusText: 'OK',
            ok: true,
            headers: new Headers(),
            redirected: false,
            type: 'basic',
            url: options.url,
            config: options,
          });
          sub.complete();
        })
        .catch((err) => sub.error(err));
    });
  }

  install(): this {
    const notUsed = () => {
      throw new Error('the components only use fetch()');
    };
    setBackendSrv({
      fetch: (o: BackendSrvRequest) => this.fetch(o),
      get: notUsed,
      delete: notUsed,
      post: notUsed,
      patch: notUsed,
      put: notUsed,
      request: notUsed,
      datasourceRequest: notUsed,
      chunked: notUsed,
      resolveCancelerIfExists: notUsed,
    } as unknown as BackendSrv);
    return this;
  }
}

/**
 * validateWith answers POST /validate from rules a test gives: each returns the message for
 * a field, or undefined. The real rules are the backend's (pkg/plugin, the engine).
 */
export function validateWith(rules: Record<string, (c: RunConfig) => string | undefined>): Handler {
  return (call) => {
    const errors: Record<string, string> = {};
    for (const [field, rule] of Object.entries(rules)) {
      const msg = rule(call.data as RunConfig);
      if (msg) {
        errors[field] = msg;
      }
    }
    return { status: 200, data: { ok: Object.keys(errors).length === 0, errors } };
  };
}

/** FakeLive hands out one Subject per channel so a test can push stream messages. */
export class FakeLive {
  channels = new Map<string, Subject<LiveChannelEvent<unknown>>>();

  channelId(a: LiveChannelAddress): string {
    return `${a.scope}/${a.stream}/${a.path}`;
  }

  getStream<T>(a: LiveChannelAddress): Observable<LiveChannelEvent<T>> {
    const id = this.channelId(a);
    let s = this.channels.get(id);
    if (!s) {
      s = new Subject();
      this.channels.set(id, s);
    }
    return s as unknown as Observable<LiveChannelEvent<T>>;
  }

  subscribed(id: string): boolean {
    return (this.channels.get(id)?.observed ?? false) === true;
  }

  push(id: string, message: unknown) {
    this.channels.get(id)?.next({ type: LiveChannelEventType.Message, message });
  }

  status(id: string, state: LiveChannelConnectionState, message?: unknown) {
    this.channels.get(id)?.next({ type: LiveChannelEventType.Status, id, timestamp: Date.now(), state, message });
  }

  install(): this {
    setGrafanaLiveSrv({
      getConnectionState: () => of(true),
      getStream: <T>(a: LiveChannelAddress) => this.getStream<T>(a),
      getDataStream: () => throwError(() => new Error('not used')),
      getPresence: () => Promise.reject(new Error('not used')),
      publish: () => Promise.reject(new Error('not used')),
    } as unknown as GrafanaLiveSrv);
    return this;
  }
}

/** Installs no Live service, as when Grafana Live is disabled: the components must poll. */
export function installNoLive() {
  setGrafanaLiveSrv(undefined as unknown as GrafanaLiveSrv);
}

export function signInAs(role: OrgRole) {
  config.bootData.user = { ...config.bootData.user, isSignedIn: true, orgRole: role };
}

// Fixtures shaped like the backend's answers (docs/plugin.md).

export const R = '/api/plugins/trafficsim-simulator-app/resources';

export const limitsFixture: Limits = {
  allowedTargets: ['http://127.0.0.1:9501/'],
  maxUsers: 200,
  maxConcurrentRuns: 2,
  defaults: {
    users: 100,
    minRequestCount: 10,
    maxRequestCount: 1000,
    durationSeconds: 300,
    baseUrl: '',
    delayMinMs: 100,
    delayMaxMs: 2000,
    scenario: 'mixed',
    seed: 0,
    rampUpSeconds: 0,
    stages: '',
    rate: '',
    rateStages: '',
    maxVus: 0,
    maxRps: 0,
  },
};

export const scenariosFixture: Scenario[] = [
  { name: 'mixed', description: 'Every archetype, the request mix of a typical day.' },
  { name: 'load_test', description: 'Many short sessions, short think time: throughput.' },
  {
    name: 'metrics_generation',
    description: 'Aims at 85% success, 12% 4xx and 3% 5xx so every dashboard panel fills.',
    archetypes: [
      { name: 'new_user', weight: 1, journey: ['signup', 'login', 'create_profile'] },
      { name: 'active_user', weight: 3 },
    ],
    mix: [
      { name: 'auth', weight: 20 },
      { name: 'user_query', weight: 80 },
    ],
  },
];

export function runFixture(over: Partial<RunStatus> & { id: string }): RunStatus {
  return {
    state: 'running',
    startedAt: '2026-11-23T03:00:00Z',
    endedAt: null,
    config: { ...limitsFixture.defaults, users: 50, seed: 81723 },
    stats: {
      ...zeroRunStats,
      activeUsers: 50,
      totalUsers: 50,
      requests: 5230,
      successRate: 0.86,
      errors: 12,
      rps: 87.5,
      avgLatencyMs: 4.2,
      p95LatencyMs: 11.8,
      maxLatencyMs: 95.1,
      elapsedSeconds: 60,
      remainingSeconds: 240,
      model: 'closed',
      targetUsers: 50,
    },
    recent: [
      {
        time: '2026-11-23T03:01:00.123Z',
        vu: 17,
        method: 'GET',
        route: '/api/v1/users/{id}',
        status: 200,
        latencyMs: 3.1,
      },
    ],
    error: '',
    ...over,
  };
}
