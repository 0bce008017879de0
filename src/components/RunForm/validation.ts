import { Limits, RunConfig, RunField, Scenario } from '../../api/types';

/** The form keeps what the user typed; numbers are parsed on validation. */
export type RunFormValues = Record<RunField, string>;

export type RunFormErrors = Partial<Record<RunField, string>>;

export function valuesFromConfig(c: RunConfig): RunFormValues {
  return {
    users: String(c.users),
    minRequestCount: String(c.minRequestCount),
    maxRequestCount: String(c.maxRequestCount),
    durationSeconds: String(c.durationSeconds),
    baseUrl: c.baseUrl ?? '',
    delayMinMs: String(c.delayMinMs),
    delayMaxMs: String(c.delayMaxMs),
    scenario: c.scenario ?? '',
    seed: String(c.seed ?? 0),
  };
}

/** Parses a whole, non-negative number the way a person types it ("1 000" and "1,000" too). */
function parseWhole(raw: string): number | undefined {
  const s = raw.trim().replace(/[\s_,]/g, '');
  if (!/^\d+$/.test(s)) {
    return undefined;
  }
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * checkBaseUrl applies the backend's syntactic rules (docs/plugin.md, "Where load may go")
 * so obvious mistakes are caught as the user types; whether the URL is in the allowlist
 * is the backend's decision, and its 403 names the fix.
 */
export function checkBaseUrl(raw: string): string | undefined {
  const s = raw.trim();
  if (s === '') {
    return undefined;
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    return 'must start with http:// or https://, like http://127.0.0.1:9501';
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return 'must be a URL like http://127.0.0.1:9501 (or empty for the embedded reference target)';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return 'must start with http:// or https://';
  }
  if (!u.hostname) {
    return 'must name a host, like http://127.0.0.1:9501';
  }
  if (u.username || u.password) {
    return 'must not contain a user name or password (user@host); credentials are app settings';
  }
  if (u.search || u.hash || s.includes('?') || s.includes('#')) {
    return 'must not have a query (?…) or fragment (#…)';
  }
  return undefined;
}

/**
 * validateRunForm checks every field against the backend's rules and the admin's limits
 * and returns either the config to send or an error per field, worded as the backend words them.
 */
export function validateRunForm(
  v: RunFormValues,
  limits: Pick<Limits, 'maxUsers'>,
  scenarios: Scenario[]
): { config?: RunConfig; errors: RunFormErrors } {
  const errors: RunFormErrors = {};
  const whole = (field: RunField, min: number, rule: string): number => {
    const n = parseWhole(v[field]);
    if (n === undefined || n < min) {
      errors[field] = rule;
      return NaN;
    }
    return n;
  };

  const users = whole('users', 1, `must be a whole number from 1 to ${limits.maxUsers}`);
  if (!Number.isNaN(users) && users > limits.maxUsers) {
    errors.users = `${users} is above the limit of ${limits.maxUsers} users per run (the app's maxUsers setting)`;
  }
  const minRequestCount = whole('minRequestCount', 1, 'must be a whole number, at least 1');
  const maxRequestCount = whole('maxRequestCount', 1, 'must be a whole number, at least 1');
  if (!Number.isNaN(minRequestCount) && !Number.isNaN(maxRequestCount) && maxRequestCount < minRequestCount) {
    errors.maxRequestCount = `must be at least the minimum request count (${minRequestCount})`;
  }
  const durationSeconds = whole(
    'durationSeconds',
    0,
    'must be a whole number of seconds; 0 runs until every user is done'
  );
  const delayMinMs = whole('delayMinMs', 0, 'must be a whole number of milliseconds, 0 or more');
  const delayMaxMs = whole('delayMaxMs', 0, 'must be a whole number of milliseconds, 0 or more');
  if (!Number.isNaN(delayMinMs) && !Number.isNaN(delayMaxMs) && delayMaxMs < delayMinMs) {
    errors.delayMaxMs = `must be at least the minimum think time (${delayMinMs} ms)`;
  }
  const seed = whole('seed', 0, 'must be a whole number, 0 or more; 0 lets the engine pick one');

  const scenario = v.scenario.trim();
  if (scenario === '') {
    errors.scenario = 'choose a scenario';
  } else if (scenarios.length > 0 && !scenarios.some((s) => s.name === scenario)) {
    errors.scenario = `"${scenario}" is not a built-in scenario; choose one of ${scenarios.map((s) => s.name).join(', ')}`;
  }

  const baseUrlError = checkBaseUrl(v.baseUrl);
  if (baseUrlError) {
    errors.baseUrl = baseUrlError;
  }

  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  return {
    errors,
    config: {
      users,
      minRequestCount,
      maxRequestCount,
      durationSeconds,
      baseUrl: v.baseUrl.trim(),
      delayMinMs,
      delayMaxMs,
      scenario,
      seed,
    },
  };
}
