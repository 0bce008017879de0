import { useEffect, useRef, useState } from 'react';
import {
  isLiveChannelMessageEvent,
  isLiveChannelStatusEvent,
  LiveChannelConnectionState,
  LiveChannelScope,
} from '@grafana/data';
import { getGrafanaLiveSrv } from '@grafana/runtime';

import { getRun } from '../api/client';
import { ApiError, toApiError } from '../api/errors';
import { isActive, RunStatus } from '../api/types';
import { LIVE_STALE_MS, PLUGIN_ID, RUN_POLL_MS } from '../constants';

export interface LiveRun {
  run: RunStatus;
  /** True while the Grafana Live stream delivers updates; false when polling stands in. */
  live: boolean;
  /** The last polling error, cleared by the next update. */
  error?: ApiError;
}

const stateRank: Record<RunStatus['state'], number> = {
  starting: 0,
  running: 1,
  stopping: 2,
  // A cleanup after the run (Clean up) turns leftovers into finished, never back.
  leftovers: 3,
  finished: 4,
  failed: 4,
};

/**
 * fresher picks the more recent of two statuses of the same run, so updates from
 * different sources (stream, polling, list, stop answer) never go backwards. On a tie it
 * keeps `a`, so a repeated status does not cause a re-render.
 */
export function fresher(a: RunStatus, b: RunStatus): RunStatus {
  const ra = stateRank[a.state] ?? 0;
  const rb = stateRank[b.state] ?? 0;
  if (ra !== rb) {
    return rb > ra ? b : a;
  }
  if (a.cleanup && b.cleanup && a.cleanup.left !== b.cleanup.left) {
    return b.cleanup.left < a.cleanup.left ? b : a; // a later cleanup only removes records
  }
  if (b.stats.elapsedSeconds !== a.stats.elapsedSeconds) {
    return b.stats.elapsedSeconds > a.stats.elapsedSeconds ? b : a;
  }
  return b.stats.requests > a.stats.requests || (b.endedAt && !a.endedAt) ? b : a;
}

function isRunStatus(v: unknown): v is RunStatus {
  return typeof v === 'object' && v !== null && typeof (v as RunStatus).id === 'string' && 'stats' in v;
}

/**
 * useLiveRun follows one run: while it is active it subscribes to the Grafana Live stream
 * plugin/<app>/runs/{id} (a status every second), and polls GET /runs/{id} whenever the
 * stream has been quiet for a while (Live disabled, unreachable, or not yet connected).
 * It stops both once the run has ended. `known` is the latest status from elsewhere
 * (the runs list, a start or stop answer); the fresher of all sources wins.
 */
export function useLiveRun(known: RunStatus): LiveRun {
  // The latest status received here (stream or polling); the fresher of it and `known` is shown.
  const [received, setReceived] = useState<RunStatus | undefined>();
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const lastUpdate = useRef(0);

  const run = received && received.id === known.id ? fresher(known, received) : known;
  const id = run.id;
  const active = isActive(run);

  useEffect(() => {
    if (!active) {
      return;
    }
    let stopped = false;
    const accept = (st: RunStatus) => {
      if (stopped || st.id !== id) {
        return;
      }
      lastUpdate.current = Date.now();
      setError(undefined);
      setReceived((cur) => (cur && cur.id === st.id ? fresher(cur, st) : st));
    };

    let unsubscribe = () => {};
    const liveSrv = getGrafanaLiveSrv();
    if (liveSrv) {
      try {
        const sub = liveSrv
          .getStream<RunStatus>({ scope: LiveChannelScope.Plugin, stream: PLUGIN_ID, path: `runs/${id}` })
          .subscribe({
            next: (evt) => {
              if (isLiveChannelMessageEvent(evt)) {
                if (isRunStatus(evt.message)) {
                  setConnected(true);
                  accept(evt.message);
                }
                return;
              }
              if (isLiveChannelStatusEvent(evt)) {
                // The subscription's initial data arrives with the status event.
                if (isRunStatus(evt.message)) {
                  accept(evt.message);
                }
                setConnected(evt.state === LiveChannelConnectionState.Connected && !evt.error);
              }
            },
            error: () => setConnected(false),
            complete: () => setConnected(false),
          });
        unsubscribe = () => sub.unsubscribe();
      } catch {
        // No usable Live service: polling below keeps the run up to date.
      }
    }

    // Polling fallback: only when the stream has been quiet for LIVE_STALE_MS.
    let polling = false;
    const timer = setInterval(async () => {
      if (polling || Date.now() - lastUpdate.current < LIVE_STALE_MS) {
        return;
      }
      polling = true;
      try {
        accept(await getRun(id));
      } catch (err) {
        if (!stopped) {
          setError(toApiError(err, 'Refreshing the run'));
        }
      } finally {
        polling = false;
      }
    }, RUN_POLL_MS);

    return () => {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
    };
  }, [id, active]);

  return { run, live: connected && active, error: active ? error : undefined };
}
