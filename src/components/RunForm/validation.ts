import { RunConfig, RunField } from '../../api/types';

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

/** The whole-number fields and what a value of each must be. */
const WHOLE: Array<[RunField, string]> = [
  ['users', 'a whole number of users, at least 1'],
  ['minRequestCount', 'a whole number, at least 1'],
  ['maxRequestCount', 'a whole number, at least 1'],
  ['durationSeconds', 'a whole number of seconds; 0 runs until every user is done'],
  ['delayMinMs', 'a whole number of milliseconds, 0 or more'],
  ['delayMaxMs', 'a whole number of milliseconds, 0 or more'],
  ['seed', 'a whole number, 0 or more; 0 lets the engine pick one'],
  ['rampUpSeconds', 'a whole number of seconds, 0 or more; 0 starts every user at once'],
  ['maxVus', 'a whole number of VUs, 0 or more; 0 makes the pool the users'],
];

/**
 * configFromValues reads what the user typed into the config POST /runs and POST /validate
 * take: numbers are parsed here (a field that is not a number cannot be sent), every rule
 * about the values (limits, durations, rates, stages, the allowlist) is the backend's, which
 * POST /validate applies with the engine's own parsers.
 */
export function configFromValues(v: RunFormValues): { config?: RunConfig; errors: RunFormErrors } {
  const errors: RunFormErrors = {};
  const n: Partial<Record<RunField, number>> = {};
  for (const [field, want] of WHOLE) {
    const x = parseWhole(v[field]);
    if (x === undefined) {
      errors[field] = `must be ${want}`;
    }
    n[field] = x ?? 0;
  }
  const maxRps = parseDecimal(v.maxRps);
  if (maxRps === undefined) {
    errors.maxRps = 'must be a number of requests per second, 0 or more (e.g. 50 or 12.5); 0 is no cap';
  }
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  return {
    errors,
    config: {
      users: n.users ?? 0,
      minRequestCount: n.minRequestCount ?? 0,
      maxRequestCount: n.maxRequestCount ?? 0,
      durationSeconds: n.durationSeconds ?? 0,
      baseUrl: v.baseUrl.trim(),
      delayMinMs: n.delayMinMs ?? 0,
      delayMaxMs: n.delayMaxMs ?? 0,
      scenario: v.scenario.trim(),
      seed: n.seed ?? 0,
      rampUpSeconds: n.rampUpSeconds ?? 0,
      stages: v.stages.trim(),
      rate: v.rate.trim(),
      rateStages: v.rateStages.trim(),
      maxVus: n.maxVus ?? 0,
      maxRps: maxRps ?? 0,
    },
  };
}
