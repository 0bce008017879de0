// The @grafana/runtime services of the e2e page, pointed at the e2e host: a BackendSrv
// over the browser's fetch (answering and failing the way Grafana's does), a Live
// service over the host's server-sent events, and the signed-in user.
import { Observable, of } from 'rxjs';
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
  FetchError,
  FetchResponse,
  GrafanaLiveSrv,
  setBackendSrv,
  setGrafanaLiveSrv,
} from '@grafana/runtime';

/** The cookie the e2e host reads the signed-in test user's role from. */
export const ROLE_COOKIE = 'trafficsim_e2e_role';

const ROLES: OrgRole[] = [OrgRole.None, OrgRole.Viewer, OrgRole.Editor, OrgRole.Admin];

function readCookie(name: string): string | undefined {
  const hit = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : undefined;
}

/**
 * signIn sets the signed-in user: the role comes from the page's ?role= query (and is
 * kept in the cookie the host reads), else from the cookie, else Admin (the host's default).
 */
export function signIn(): OrgRole {
  const asked = new URLSearchParams(window.location.search).get('role') ?? readCookie(ROLE_COOKIE) ?? OrgRole.Admin;
  const role = ROLES.find((r) => r === asked) ?? OrgRole.Viewer;
  document.cookie = `${ROLE_COOKIE}=${encodeURIComponent(role)}; path=/; SameSite=Strict`;
  config.bootData.user = {
    ...config.bootData.user,
    id: 1,
    login: `e2e-${role.toLowerCase()}`,
    name: `E2E ${role}`,
    isSignedIn: true,
    orgId: 1,
    orgName: 'Main Org.',
    orgRole: role,
    isGrafanaAdmin: false,
  };
  return role;
}

function withParams(url: string, params: BackendSrvRequest['params']): string {
  if (!params || typeof params !== 'object') {
    return url;
  }
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    if (v !== undefined && v !== null) {
      q.append(k, String(v));
    }
  }
  const s = q.toString();
  return s ? `${url}${url.includes('?') ? '&' : '?'}${s}` : url;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if ((res.headers.get('Content-Type') ?? '').includes('json') && text !== '') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** hostFetch is BackendSrv.fetch over window.fetch: JSON in and out, errors as FetchError. */
function hostFetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
  return new Observable<FetchResponse<T>>((sub) => {
    const abort = new AbortController();
    const method = (options.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
    let body: BodyInit | undefined;
    if (options.data !== undefined && method !== 'GET') {
      body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
      headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
    }
    fetch(withParams(options.url, options.params), {
      method,
      headers,
      body,
      signal: abort.signal,
      credentials: 'same-origin',
    })
      .then(async (res) => {
        const data = await readBody(res);
        if (!res.ok) {
          const err: FetchError = { status: res.status, statusText: res.statusText, data, config: options };
          sub.error(err);
          return;
        }
        sub.next({
          data: data as T,
          status: res.status,
          statusText: res.statusText,
          ok: true,
          headers: res.headers,
          redirected: res.redirected,
          type: res.type,
          url: res.url,
          config: options,
        });
        sub.complete();
      })
      .catch((err) => sub.error(err));
    return () => abort.abort();
  });
}

function notProvided(name: string) {
  return () => {
    throw new Error(`the e2e host provides only fetch(); ${name} is not used by the plugin`);
  };
}

/** installBackendSrv points getBackendSrv() at the e2e host. */
export function installBackendSrv() {
  setBackendSrv({
    fetch: hostFetch,
    get: notProvided('get'),
    delete: notProvided('delete'),
    post: notProvided('post'),
    patch: notProvided('patch'),
    put: notProvided('put'),
    request: notProvided('request'),
    datasourceRequest: notProvided('datasourceRequest'),
    chunked: notProvided('chunked'),
    resolveCancelerIfExists: notProvided('resolveCancelerIfExists'),
  } as unknown as BackendSrv);
}

/**
 * liveStream subscribes to one Grafana Live channel through the host's server-sent
 * events: a status event carrying the subscription's initial data, then the messages the
 * plugin's RunStream sends, as Grafana Live delivers them.
 */
function liveStream<T>(address: LiveChannelAddress): Observable<LiveChannelEvent<T>> {
  const id = `${address.scope}/${address.stream}/${address.path}`;
  return new Observable<LiveChannelEvent<T>>((sub) => {
    const status = (state: LiveChannelConnectionState, message?: unknown, error?: unknown) =>
      sub.next({ type: LiveChannelEventType.Status, id, timestamp: Date.now(), state, message, error });
    status(LiveChannelConnectionState.Connecting);
    const es = new EventSource(`/api/live/sse/${id}`);
    es.addEventListener('status', (e) =>
      status(LiveChannelConnectionState.Connected, JSON.parse((e as MessageEvent).data))
    );
    es.addEventListener('message', (e) =>
      sub.next({ type: LiveChannelEventType.Message, message: JSON.parse((e as MessageEvent).data) as T })
    );
    es.addEventListener('end', () => {
      es.close();
      status(LiveChannelConnectionState.Shutdown);
      sub.complete();
    });
    es.addEventListener('failure', (e) => {
      es.close();
      const { error } = JSON.parse((e as MessageEvent).data) as { error: string };
      status(LiveChannelConnectionState.Disconnected, undefined, error);
      sub.complete();
    });
    // A dropped connection: EventSource reconnects by itself, like Live's client.
    es.onerror = () => status(LiveChannelConnectionState.Disconnected);
    return () => es.close();
  });
}

/** installLiveSrv points getGrafanaLiveSrv() at the host's stream bridge. */
export function installLiveSrv() {
  setGrafanaLiveSrv({
    getConnectionState: () => of(true),
    getStream: liveStream,
    getDataStream: notProvided('getDataStream'),
    getPresence: () => Promise.reject(new Error('presence is not used by the plugin')),
    publish: () => Promise.reject(new Error('publishing is refused by the plugin')),
  } as unknown as GrafanaLiveSrv);
}
