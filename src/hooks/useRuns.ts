import { useCallback, useEffect, useRef, useState } from 'react';

import { listRuns } from '../api/client';
import { ApiError, toApiError } from '../api/errors';
import { RunStatus } from '../api/types';
import { RUNS_POLL_MS } from '../constants';

export interface Runs {
  /** Oldest first, as the backend lists them. */
  runs: RunStatus[];
  loading: boolean;
  error?: ApiError;
  /** Puts a status just received (a start or stop answer) into the list at once. */
  upsert: (run: RunStatus) => void;
  refresh: () => void;
}

/** useRuns lists the runs and refreshes the list every RUNS_POLL_MS (runs started elsewhere appear). */
export function useRuns(): Runs {
  const [runs, setRuns] = useState<RunStatus[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | undefined>();
  const [tick, setTick] = useState(0);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    let cancelled = false;
    listRuns().then(
      (list) => {
        if (!cancelled) {
          setRuns(list);
          setError(undefined);
          setLoading(false);
        }
      },
      (err) => {
        if (!cancelled) {
          setError(toApiError(err, 'Loading the runs'));
          setLoading(false);
        }
      }
    );
    const timer = setTimeout(() => mounted.current && setTick((t) => t + 1), RUNS_POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [tick]);

  const upsert = useCallback((run: RunStatus) => {
    setRuns((list) => {
      const i = list.findIndex((r) => r.id === run.id);
      if (i < 0) {
        return [...list, run];
      }
      const next = list.slice();
      next[i] = run;
      return next;
    });
  }, []);

  const refresh = useCallback(() => setTick((t) => t + 1), []);

  return { runs, loading, error, upsert, refresh };
}
