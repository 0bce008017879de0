import { formatLoadModel, formatResilience } from './format';

describe('formatLoadModel', () => {
  const base = { users: 100, rampUpSeconds: 0, stages: '', rate: '', rateStages: '', maxVus: 0, maxRps: 0 };

  it.each([
    [{}, '100 users'],
    [{ rampUpSeconds: 30 }, '100 users ramped up over 30s'],
    [{ rampUpSeconds: 90 }, '100 users ramped up over 1m 30s'],
    [{ stages: '30s:100,1m0s:500,30s:0' }, 'VU stages 30s:100,1m0s:500,30s:0'],
    [{ rate: '300/s', maxVus: 200 }, 'open model 300/s (pool 200 VUs)'],
    [{ rate: '1.5/s' }, 'open model 1.5/s (pool 100 VUs)'],
    [{ rateStages: '30s:10/s,1m0s:100/s' }, 'open model rate stages 30s:10/s,1m0s:100/s (pool 100 VUs)'],
    [{ rate: '5/s', rateStages: '1m0s:50/s' }, 'open model rate stages 1m0s:50/s from 5/s (pool 100 VUs)'],
    [{ maxRps: 50 }, '100 users · max 50 req/s'],
    [{ rate: '300/s', maxVus: 200, maxRps: 12.5 }, 'open model 300/s (pool 200 VUs) · max 12.5 req/s'],
  ])('%p', (over, want) => {
    expect(formatLoadModel({ ...base, ...over })).toBe(want);
  });

  it('reads a status from a backend without the load-model fields as fixed users', () => {
    expect(formatLoadModel({ users: 50 })).toBe('50 users');
  });
});

describe('formatResilience', () => {
  it.each([
    [{}, ''],
    [{ breakers: [], degradation: '' }, ''],
    [{ breakers: [{ group: 'profile', state: 'open' as const }] }, 'circuit open: profile'],
    [
      {
        breakers: [
          { group: 'admin', state: 'half_open' as const },
          { group: 'auth', state: 'open' as const },
          { group: 'profile', state: 'open' as const },
        ],
      },
      'circuit open: auth, profile · half-open: admin',
    ],
    [{ degradation: 'heavy' }, 'degraded: heavy (only logins and reads)'],
    [
      { breakers: [{ group: 'auth', state: 'half_open' as const }], degradation: 'emergency' },
      'half-open: auth · degraded: emergency (only logins and reads, no new sessions)',
    ],
  ])('%p', (stats, want) => {
    expect(formatResilience(stats)).toBe(want);
  });
});
