import { limitsFixture, scenariosFixture } from '../../test/services';
import { checkBaseUrl, validateRunForm, valuesFromConfig } from './validation';

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
