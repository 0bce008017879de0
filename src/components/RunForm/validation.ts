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
    // Backends older than the load model omit these.
    rampUpSeconds: String(c.rampUpSeconds ?? 0),
    stages: c.stages ?? '',
    rate: c.rate ?? '',
    rateStages: c.rateStages ?? '',
    maxVus: String(c.maxVus ?? 0),
    maxRps: String(c.maxRps ?? 0),
  };
}

/** The form's load models (docs/load-models.md): fixed users, VU stages (both closed) or an arrival rate (open). */
export type LoadModel = 'users' | 'stages' | 'rate';

/** loadModelOf tells which model values ask for, as the backend reads them: any rate makes it open. */
export function loadModelOf(v: Pick<RunFormValues, 'stages' | 'rate' | 'rateStages'>): LoadModel {
  if (v.rate.trim() !== '' || v.rateStages.trim() !== '') {
    return 'rate';
  }
  return v.stages.trim() !== '' ? 'stages' : 'users';
}

/**
 * withLoadModel empties the fields of the models not chosen, so that what the user typed
 * under another model before switching is neither validated nor sent.
 */
export function withLoadModel(v: RunFormValues, model: LoadModel): RunFormValues {
  return {
    ...v,
    rampUpSeconds: model === 'users' ? v.rampUpSeconds : '0',
    stages: model === 'stages' ? v.stages : '',
    rate: model === 'rate' ? v.rate : '',
    rateStages: model === 'rate' ? v.rateStages : '',
    maxVus: model === 'rate' ? v.maxVus : '0',
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

/** Parses a non-negative decimal number ("12.5"); undefined when it is not one. */
function parseDecimal(raw: string): number | undefined {
  const s = raw.trim().replace(/[\s_]/g, '');
  return /^(\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : undefined;
}

// The engine's bounds (engine/loadshape): beyond them a value is a typo.
const MAX_RATE = 1_000_000;
const MAX_STAGES_SECONDS = 7 * 24 * 3600;
const VU_STAGES_EXAMPLE = '30s:100,1m:500,30s:0';
const RATE_STAGES_EXAMPLE = '30s:10/s,1m:100/s';

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};
const DURATION_PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** parseGoDuration reads a duration as Go's time.ParseDuration does ("30s", "1m30s", "2h"), in seconds. */
export function parseGoDuration(raw: string): number | undefined {
  const s = raw.trim();
  if (s === '0') {
    return 0;
  }
  // The parts must cover the whole text: "30", "1x" and "m" are not durations.
  if (s === '' || s.replace(DURATION_PART, '') !== '') {
    return undefined;
  }
  let seconds = 0;
  for (const [, n, unit] of s.matchAll(DURATION_PART)) {
    seconds += Number(n) * DURATION_UNITS[unit];
  }
  return seconds;
}

/** parseRate reads "300/s", "90/m" or a bare number (per second) into arrivals per second, or says what is wrong. */
function parseRate(raw: string): number | string {
  const s = raw.trim();
  const slash = s.indexOf('/');
  const num = slash < 0 ? s : s.slice(0, slash).trim();
  const unit = slash < 0 ? 's' : s.slice(slash + 1).trim();
  const per = ({ s: 1, sec: 1, '1s': 1, m: 60, min: 60, '1m': 60 } as Record<string, number | undefined>)[unit];
  if (per === undefined) {
    return `unit "${unit}" is not /s or /m`;
  }
  const n = parseDecimal(num);
  if (n === undefined) {
    return 'not a number of arrivals';
  }
  return n / per > MAX_RATE ? `${n / per}/s is above ${MAX_RATE}/s` : n / per;
}

export interface Stage {
  seconds: number;
  target: number;
}

/**
 * parseStages reads comma-separated DURATION:TARGET pairs as the engine does, or returns
 * what is wrong with the example to follow.
 */
function parseStages(
  raw: string,
  pair: string,
  example: string,
  target: (s: string) => number | string
): Stage[] | string {
  const want = `want ${pair} pairs such as ${example}`;
  const out: Stage[] = [];
  let total = 0;
  for (const part of raw.split(',').map((p) => p.trim())) {
    const colon = part.indexOf(':');
    if (colon < 0) {
      return `"${part}" — ${want}`;
    }
    const d = part.slice(0, colon).trim();
    const seconds = parseGoDuration(d);
    if (seconds === undefined) {
      return `"${part}": duration "${d}" is not like 30s, 1m or 1m30s — ${want}`;
    }
    const t = target(part.slice(colon + 1).trim());
    if (typeof t === 'string') {
      return `"${part}": ${t} — ${want}`;
    }
    total += seconds;
    out.push({ seconds, target: t });
  }
  if (total > MAX_STAGES_SECONDS) {
    return 'the stages last more than 7 days';
  }
  return out;
}

export function parseVuStages(raw: string): Stage[] | string {
  return parseStages(raw, 'DURATION:VUS', VU_STAGES_EXAMPLE, (s) =>
    /^\d+$/.test(s) ? Number(s) : `VUS "${s}" is not a whole number`
  );
}

export function parseRateStages(raw: string): Stage[] | string {
  return parseStages(raw, 'DURATION:RATE', RATE_STAGES_EXAMPLE, parseRate);
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

  const overLimit = (n: number, what: string) =>
    `${n} ${what} above the limit of ${limits.maxUsers} users per run (the app's maxUsers setting)`;

  // With VU stages the run's VUs are the largest stage target and users is not used:
  // it is sent as that target, which the stage checks keep within 1…maxUsers.
  const stages = v.stages.trim();
  let vuStages: Stage[] = [];
  if (stages !== '') {
    const parsed = parseVuStages(stages);
    if (typeof parsed === 'string') {
      errors.stages = parsed;
    } else {
      vuStages = parsed;
      const over = parsed.findIndex((st) => st.target > limits.maxUsers);
      if (over >= 0) {
        errors.stages = `stage ${over + 1} asks for ${overLimit(parsed[over].target, 'VUs,')}`;
      } else if (parsed.every((st) => st.target === 0)) {
        errors.stages = `every stage's target is 0 VUs; give at least one a target, e.g. ${VU_STAGES_EXAMPLE}`;
      } else if (parsed.every((st) => st.seconds === 0)) {
        errors.stages = 'the stages last 0s; give at least one a duration, e.g. 30s:100';
      }
    }
  }
  let users = Math.max(0, ...vuStages.map((st) => st.target));
  if (stages === '') {
    users = whole('users', 1, `must be a whole number from 1 to ${limits.maxUsers}`);
    if (!Number.isNaN(users) && users > limits.maxUsers) {
      errors.users = overLimit(users, 'is');
    }
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

  const rampUpSeconds = whole(
    'rampUpSeconds',
    0,
    'must be a whole number of seconds, 0 or more; 0 starts every user at once'
  );
  const maxVus = whole('maxVus', 0, `must be a whole number from 0 to ${limits.maxUsers}; 0 makes the pool the users`);
  if (!Number.isNaN(maxVus) && maxVus > limits.maxUsers) {
    errors.maxVus = overLimit(maxVus, 'VUs are');
  }
  const maxRps = parseDecimal(v.maxRps) ?? NaN;
  if (Number.isNaN(maxRps)) {
    errors.maxRps = 'must be a number of requests per second, 0 or more (e.g. 50 or 12.5); 0 is no cap';
  }

  const rate = v.rate.trim();
  const rateStages = v.rateStages.trim();
  const rates: number[] = [];
  if (rate !== '') {
    const r = parseRate(rate);
    if (typeof r === 'string') {
      errors.rate = `"${rate}": ${r} — want arrivals per second or minute such as 300/s or 90/m`;
    } else {
      rates.push(r);
    }
  }
  if (rateStages !== '') {
    const parsed = parseRateStages(rateStages);
    if (typeof parsed === 'string') {
      errors.rateStages = parsed;
    } else {
      rates.push(...parsed.map((st) => st.target));
    }
  }

  // How the models combine, as the engine checks it (engine/runner validateLoad).
  const open = rate !== '' || rateStages !== '';
  if (open && stages !== '') {
    errors.stages ??=
      'VU stages belong to the closed model and a rate to the open one; clear one (rate stages ramp the arrival rate)';
  }
  if (open && rampUpSeconds > 0) {
    errors.rampUpSeconds ??= 'applies to the closed model; with a rate, ramp the arrival rate with rate stages instead';
  } else if (stages !== '' && rampUpSeconds > 0) {
    errors.rampUpSeconds ??= 'use either a ramp-up or stages (stages ramp by themselves, e.g. 30s:100)';
  }
  if (!open && maxVus > 0) {
    errors.maxVus ??=
      'applies to the open model; set an arrival rate or rate stages too (the closed model runs the users)';
  }
  if (open && !errors.rate && !errors.rateStages && rates.every((r) => r <= 0)) {
    errors[rate !== '' ? 'rate' : 'rateStages'] = 'the arrival rate is 0 throughout; give a rate such as 10/s';
  }
  if (open && rateStages === '' && durationSeconds === 0) {
    errors.durationSeconds ??=
      'must be set with a constant arrival rate, which otherwise never ends (or ramp it with rate stages)';
  }

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
      rampUpSeconds,
      stages,
      rate,
      rateStages,
      maxVus,
      maxRps,
    },
  };
}
