import { useEffect, useMemo, useState } from 'react';

import { validateRun } from '../../api/client';
import { RunConfig } from '../../api/types';
import { configFromValues, RunFormErrors, RunFormValues } from './validation';

/** How long typing must pause before the backend is asked. */
export const VALIDATE_DELAY_MS = 300;

/**
 * useRunValidation checks what the user typed as the backend would start it: numbers here,
 * the rest by POST /validate (the engine's own parsers and rules), asked once typing pauses.
 * pending: an answer for the current values is still to come. An unreachable backend adds
 * no errors: starting the run says what is wrong.
 */
export function useRunValidation(
  values: RunFormValues | undefined,
  extra?: Partial<RunConfig>,
  delayMs = VALIDATE_DELAY_MS
) {
  const local = useMemo(() => (values ? configFromValues(values) : undefined), [values]);
  const config = local?.config ? { ...local.config, ...extra } : undefined;
  const key = config ? JSON.stringify(config) : '';
  const [answer, setAnswer] = useState<{ key: string; errors: RunFormErrors }>();

  useEffect(() => {
    if (!key) {
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      validateRun(JSON.parse(key)).then(
        (res) => current && setAnswer({ key, errors: res.errors }),
        () => current && setAnswer({ key, errors: {} })
      );
    }, delayMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key, delayMs]);

  const checked = answer?.key === key ? answer.errors : undefined;
  return {
    config,
    errors: { ...checked, ...local?.errors } as RunFormErrors,
    pending: key !== '' && checked === undefined,
  };
}
