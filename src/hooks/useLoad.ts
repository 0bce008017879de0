import { useCallback, useEffect, useState } from 'react';

import { ApiError, toApiError } from '../api/errors';

export interface Loaded<T> {
  value?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/**
 * useLoad runs load on mount (and on reload), keeping the last value and error. load must
 * be a stable function (a module-level API call).
 */
export function useLoad<T>(load: () => Promise<T>, doing: string): Loaded<T> {
  const [state, setState] = useState<{ value?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let cancelled = false;
    load().then(
      (value) => !cancelled && setState({ value, loading: false }),
      (err) => !cancelled && setState((s) => ({ value: s.value, error: toApiError(err, doing), loading: false }))
    );
    return () => {
      cancelled = true;
    };
  }, [load, doing, generation]);

  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    setGeneration((g) => g + 1);
  }, []);
  return { ...state, reload };
}
