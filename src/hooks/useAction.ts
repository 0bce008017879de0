import { useMemo, useRef, useState } from 'react';

import { ApiError } from '../api/errors';
import { RunStatus } from '../api/types';
import { fresher } from './useLiveRun';

export interface Action<A extends unknown[]> {
  /** A request of this action is under way. */
  busy: boolean;
  /** Why the last try failed; cleared by the next. */
  error?: ApiError;
  /** run sends the request unless one is under way. */
  run: (...args: A) => Promise<void>;
  clearError: () => void;
}

/**
 * useAction is a button's request: one at a time, busy while it runs, its error kept
 * until the next try; onDone gets what it answered.
 */
export function useAction<A extends unknown[], T>(
  act: (...args: A) => Promise<T>,
  onDone: (result: T) => void
): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const running = useRef(false);
  const run = async (...args: A) => {
    if (running.current) {
      return;
    }
    running.current = true;
    setBusy(true);
    setError(undefined);
    try {
      onDone(await act(...args));
    } catch (err) {
      setError(err as ApiError);
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return { busy, error, run, clearError: () => setError(undefined) };
}

/**
 * useRunAnswer keeps the status a start, stop or cleanup answered and shows whichever of
 * it and the listed run is fresher, so the view changes at once, before the list catches up.
 */
export function useRunAnswer(listed: RunStatus | undefined) {
  const [answer, setAnswer] = useState<RunStatus | undefined>();
  const known = useMemo(
    () => (listed && answer && answer.id === listed.id ? fresher(listed, answer) : (listed ?? answer)),
    [listed, answer]
  );
  return { known, answer, setAnswer };
}
