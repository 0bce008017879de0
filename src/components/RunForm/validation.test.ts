import { RunConfig } from '../../api/types';
import { limitsFixture, scenariosFixture } from '../../test/services';
import {
  checkBaseUrl,
  loadModelOf,
  parseGoDuration,
  parseRateStages,
  parseVuStages,
  validateRunForm,
  valuesFromConfig,
  withLoadModel,
} from './validation';

const values = (over: Partial<Record<string, string>> = {}) => ({
  ...valuesFromConfig(limitsFixture.defaults),
  ...over,
});

describe('validateRunForm', () => {
  it('accepts the defaults and returns the config to send', () => {
    const { config, errors } = validateRunForm(values(), limitsFixture, scenariosFixture);
    expect(errors).toEqual({});
    expect(config).toEqual(limitsFixture.defaults);
  });

  it('enforces maxUsers from the limits', () => {
    const { config, errors } = validateRunForm(values({ users: '201' }), limitsFixture, scenariosFixture);
    expect(config).toBeUndefined();
    expect(errors.users).toBe("201 is above the limit of 200 users per run (the app's maxUsers setting)");
    expect(validateRunForm(values({ users: '200' }), limitsFixture, scenariosFixture).errors.users).toBeUndefined();
    expect(validateRunForm(values({ users: '0' }), limitsFixture, scenariosFixture).errors.users).toMatch(/1 to 200/);
  });

  it('checks the ranges against each other', () => {
    const { errors } = validateRunForm(
      values({ minRequestCount: '50', maxRequestCount: '20', delayMinMs: '500', delayMaxMs: '100' }),
      limitsFixture,
      scenariosFixture
    );
    expect(errors.maxRequestCount).toBe('must be at least the minimum request count (50)');
    expect(errors.delayMaxMs).toBe('must be at least the minimum think time (500 ms)');
  });

  it('rejects fractions, negatives and empty numbers, naming the rule', () => {
    const { errors } = validateRunForm(
      values({ durationSeconds: '-1', seed: '1.5', minRequestCount: '' }),
      limitsFixture,
      scenariosFixture
    );
    expect(errors.durationSeconds).toMatch(/0 runs until every user is done/);
    expect(errors.seed).toMatch(/0 lets the engine pick one/);
    expect(errors.minRequestCount).toMatch(/at least 1/);
  });

  it('requires a known scenario', () => {
    expect(validateRunForm(values({ scenario: '' }), limitsFixture, scenariosFixture).errors.scenario).toBe(
      'choose a scenario'
    );
    expect(validateRunForm(values({ scenario: 'nope' }), limitsFixture, scenariosFixture).errors.scenario).toBe(
      '"nope" is not a built-in scenario; choose one of mixed, load_test, metrics_generation'
    );
  });
});

describe('validateRunForm: load model', () => {
  const check = (over: Partial<Record<string, string>>) =>
    validateRunForm(values(over), limitsFixture, scenariosFixture);

  it('reads older defaults without the load-model fields as the closed model with nothing set', () => {
    const older: Partial<RunConfig> = { ...limitsFixture.defaults };
    for (const f of ['rampUpSeconds', 'stages', 'rate', 'rateStages', 'maxVus', 'maxRps'] as const) {
      delete older[f];
    }
    const v = valuesFromConfig(older as RunConfig);
    expect(v).toMatchObject({ rampUpSeconds: '0', stages: '', rate: '', rateStages: '', maxVus: '0', maxRps: '0' });
    expect(validateRunForm(v, limitsFixture, scenariosFixture).config).toEqual(limitsFixture.defaults);
  });

  it('sends a ramp-up and a fractional request cap with fixed users', () => {
    const { config, errors } = check({ rampUpSeconds: '30', maxRps: '12.5' });
    expect(errors).toEqual({});
    expect(config).toMatchObject({ users: 100, rampUpSeconds: 30, maxRps: 12.5, stages: '', rate: '' });
    expect(check({ rampUpSeconds: '-1' }).errors.rampUpSeconds).toMatch(/0 starts every user at once/);
    expect(check({ maxRps: '-5' }).errors.maxRps).toMatch(/0 is no cap/);
  });

  it('sends VU stages with the largest target as the users, whatever users says', () => {
    const { config, errors } = check({ stages: ' 30s:100, 1m:150 ,30s:0 ', users: 'x' });
    expect(errors).toEqual({});
    expect(config).toMatchObject({ stages: '30s:100, 1m:150 ,30s:0', users: 150, rampUpSeconds: 0 });
  });

  it('keeps stage targets within maxUsers', () => {
    expect(check({ stages: '30s:100,1m:500,30s:0' }).errors.stages).toBe(
      "stage 2 asks for 500 VUs, above the limit of 200 users per run (the app's maxUsers setting)"
    );
    expect(check({ stages: '30s:200' }).errors.stages).toBeUndefined();
  });

  it('refuses stages that never run a VU or take no time, as the engine does', () => {
    expect(check({ stages: '30s:0,1m:0' }).errors.stages).toMatch(/^every stage's target is 0 VUs/);
    expect(check({ stages: '0s:10' }).errors.stages).toMatch(/^the stages last 0s/);
  });

  it('sends an arrival rate with its pool and a duration', () => {
    const { config, errors } = check({ rate: '300/s', maxVus: '150', durationSeconds: '60' });
    expect(errors).toEqual({});
    expect(config).toMatchObject({ rate: '300/s', rateStages: '', maxVus: 150, users: 100, durationSeconds: 60 });
    expect(check({ rate: '90/m' }).errors).toEqual({});
    expect(check({ rate: '12.5' }).errors).toEqual({});
  });

  it('rate stages need no duration: the arrivals end with the last stage', () => {
    const { config, errors } = check({ rateStages: '30s:10/s,1m:100/s', durationSeconds: '0' });
    expect(errors).toEqual({});
    expect(config).toMatchObject({ rateStages: '30s:10/s,1m:100/s', durationSeconds: 0 });
  });

  it('needs a duration with a constant rate', () => {
    expect(check({ rate: '300/s', durationSeconds: '0' }).errors.durationSeconds).toBe(
      'must be set with a constant arrival rate, which otherwise never ends (or ramp it with rate stages)'
    );
  });

  it('refuses VU stages with the open model, naming stages', () => {
    for (const open of [{ rate: '10/s' }, { rateStages: '1m:10/s' }]) {
      const { config, errors } = check({ ...open, stages: '30s:10' });
      expect(config).toBeUndefined();
      expect(errors.stages).toMatch(/^VU stages belong to the closed model/);
    }
  });

  it('refuses a ramp-up with the open model, naming rampUpSeconds', () => {
    expect(check({ rate: '10/s', rampUpSeconds: '30' }).errors.rampUpSeconds).toBe(
      'applies to the closed model; with a rate, ramp the arrival rate with rate stages instead'
    );
  });

  it('refuses a ramp-up with stages, naming rampUpSeconds', () => {
    const { errors } = check({ stages: '30s:10', rampUpSeconds: '30' });
    expect(errors.rampUpSeconds).toBe('use either a ramp-up or stages (stages ramp by themselves, e.g. 30s:100)');
    expect(errors.stages).toBeUndefined();
  });

  it('takes max VUs only with the open model, and within maxUsers', () => {
    expect(check({ maxVus: '50' }).errors.maxVus).toMatch(/^applies to the open model/);
    expect(check({ maxVus: '50', stages: '30s:10' }).errors.maxVus).toMatch(/^applies to the open model/);
    expect(check({ rate: '10/s', maxVus: '201' }).errors.maxVus).toBe(
      "201 VUs are above the limit of 200 users per run (the app's maxUsers setting)"
    );
    expect(check({ rate: '10/s', maxVus: '1.5' }).errors.maxVus).toMatch(/whole number from 0 to 200/);
  });

  it('refuses an arrival rate that is 0 throughout', () => {
    expect(check({ rate: '0/s' }).errors.rate).toBe('the arrival rate is 0 throughout; give a rate such as 10/s');
    expect(check({ rateStages: '1m:0/s' }).errors.rateStages).toBe(
      'the arrival rate is 0 throughout; give a rate such as 10/s'
    );
    expect(check({ rate: '0', rateStages: '1m:10/s' }).errors).toEqual({});
  });

  it('says what is wrong with a rate and gives the example', () => {
    expect(check({ rate: 'fast' }).errors.rate).toBe(
      '"fast": not a number of arrivals — want arrivals per second or minute such as 300/s or 90/m'
    );
    expect(check({ rate: '300/h' }).errors.rate).toBe(
      '"300/h": unit "h" is not /s or /m — want arrivals per second or minute such as 300/s or 90/m'
    );
    expect(check({ rate: '2000000/s' }).errors.rate).toMatch(/above 1000000\/s/);
  });
});

describe('loadModelOf and withLoadModel', () => {
  it('tells the model as the backend does: any rate is the open model', () => {
    const v = values();
    expect(loadModelOf(v)).toBe('users');
    expect(loadModelOf({ ...v, stages: '30s:10' })).toBe('stages');
    expect(loadModelOf({ ...v, stages: '30s:10', rateStages: '1m:5/s' })).toBe('rate');
  });

  it("empties the other models' fields so they are never sent", () => {
    const typed = values({ rampUpSeconds: '30', stages: '30s:10', rate: '5/s', rateStages: '1m:5/s', maxVus: '9' });
    expect(withLoadModel(typed, 'users')).toMatchObject({
      rampUpSeconds: '30',
      stages: '',
      rate: '',
      rateStages: '',
      maxVus: '0',
    });
    expect(withLoadModel(typed, 'stages')).toMatchObject({
      rampUpSeconds: '0',
      stages: '30s:10',
      rate: '',
      maxVus: '0',
    });
    expect(withLoadModel(typed, 'rate')).toMatchObject({
      rampUpSeconds: '0',
      stages: '',
      rate: '5/s',
      rateStages: '1m:5/s',
      maxVus: '9',
    });
  });
});

describe('stage and duration syntax', () => {
  it.each([
    ['30s', 30],
    ['1m', 60],
    ['1m30s', 90],
    ['2h', 7200],
    ['1.5m', 90],
    ['500ms', 0.5],
    ['0', 0],
    ['30', undefined],
    ['1x', undefined],
    ['m', undefined],
    ['', undefined],
    ['-1s', undefined],
  ])('parseGoDuration(%p)', (d, want) => {
    expect(parseGoDuration(d)).toBe(want);
  });

  it('parses VU stages', () => {
    expect(parseVuStages('30s:100,1m:500,30s:0')).toEqual([
      { seconds: 30, target: 100 },
      { seconds: 60, target: 500 },
      { seconds: 30, target: 0 },
    ]);
  });

  it.each([
    ['30s100', '"30s100" — want DURATION:VUS pairs such as 30s:100,1m:500,30s:0'],
    ['30s:100,', '"" — want DURATION:VUS pairs such as 30s:100,1m:500,30s:0'],
    [
      '30x:100',
      '"30x:100": duration "30x" is not like 30s, 1m or 1m30s — want DURATION:VUS pairs such as 30s:100,1m:500,30s:0',
    ],
    ['30s:1.5', '"30s:1.5": VUS "1.5" is not a whole number — want DURATION:VUS pairs such as 30s:100,1m:500,30s:0'],
    ['100h:1,100h:1', 'the stages last more than 7 days'],
  ])('VU stages %p', (raw, want) => {
    expect(parseVuStages(raw)).toBe(want);
  });

  it('parses rate stages into arrivals per second', () => {
    expect(parseRateStages('30s:10/s,1m:120/m,10s:5')).toEqual([
      { seconds: 30, target: 10 },
      { seconds: 60, target: 2 },
      { seconds: 10, target: 5 },
    ]);
  });

  it.each([
    ['30s10/s', '"30s10/s" — want DURATION:RATE pairs such as 30s:10/s,1m:100/s'],
    ['30s:10/h', '"30s:10/h": unit "h" is not /s or /m — want DURATION:RATE pairs such as 30s:10/s,1m:100/s'],
    ['30s:lots', '"30s:lots": not a number of arrivals — want DURATION:RATE pairs such as 30s:10/s,1m:100/s'],
  ])('rate stages %p', (raw, want) => {
    expect(parseRateStages(raw)).toBe(want);
  });

  it('shows syntax errors under the field they are in', () => {
    const { errors } = validateRunForm(values({ rateStages: '30s10/s' }), limitsFixture, scenariosFixture);
    expect(errors).toEqual({ rateStages: '"30s10/s" — want DURATION:RATE pairs such as 30s:10/s,1m:100/s' });
  });
});

describe('checkBaseUrl', () => {
  it.each([
    ['', undefined],
    ['http://127.0.0.1:9501', undefined],
    ['https://t.example/api/v1', undefined],
    ['127.0.0.1:9501', 'must start with http:// or https://, like http://127.0.0.1:9501'],
    ['not a url', 'must start with http:// or https://, like http://127.0.0.1:9501'],
    ['ftp://h', 'must start with http:// or https://'],
    ['http://', 'must be a URL like http://127.0.0.1:9501 (or empty for the embedded reference target)'],
    ['http://u:p@h:1', 'must not contain a user name or password (user@host); credentials are app settings'],
    ['http://h/?q=1', 'must not have a query (?…) or fragment (#…)'],
    ['http://h/#x', 'must not have a query (?…) or fragment (#…)'],
  ])('%p', (url, want) => {
    expect(checkBaseUrl(url)).toBe(want);
  });
});
