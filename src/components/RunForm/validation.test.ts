import { limitsFixture } from '../../test/services';
import { configFromValues, loadModelOf, valuesFromConfig, withLoadModel } from './validation';

const values = (over: Partial<Record<string, string>> = {}) => ({
  ...valuesFromConfig(limitsFixture.defaults),
  ...over,
});

describe('configFromValues', () => {
  it('reads the defaults into the config POST /validate and POST /runs take', () => {
    const { config, errors } = configFromValues(values());
    expect(errors).toEqual({});
    expect(config).toEqual({ ...limitsFixture.defaults, baseUrl: '', seed: 0 });
  });

  it('reads numbers as people type them, and leaves every other rule to the backend', () => {
    const { config } = configFromValues(
      values({ users: '1 000', maxRps: '12.5', stages: ' 30s:100 ', rate: 'anything', baseUrl: ' http://x ' })
    );
    expect(config).toMatchObject({
      users: 1000,
      maxRps: 12.5,
      stages: '30s:100',
      rate: 'anything',
      baseUrl: 'http://x',
    });
  });

  it('names every field that is not a number and sends nothing', () => {
    const { config, errors } = configFromValues(
      values({ users: 'ten', delayMinMs: '-1', seed: '1.5', maxRps: 'lots' })
    );
    expect(config).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['delayMinMs', 'maxRps', 'seed', 'users']);
    expect(errors.users).toMatch(/whole number/);
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
