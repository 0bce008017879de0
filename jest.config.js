// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

// Some ESM-only dependencies of @grafana/data (d3-color) resolve to .mjs files, which the
// scaffolded transform (.js/.ts only) leaves alone; transform them the same way.
const swc = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    ...base.transform,
    '^.+\\.mjs$': swc,
  },
  // The form tests type into inputs and wait for debounced backend answers; on a
  // shared CI machine running the Go suites beside them, 5 s per test is not
  // enough headroom. A test still fails at once on a wrong answer.
  testTimeout: 30000,
};
