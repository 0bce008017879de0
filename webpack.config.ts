// Extends the create-plugin webpack config (.config/ stays as scaffolded) for this
// repository's layout: plugin.json lives at the root (src/plugin.json is a symlink to it),
// the dashboards it includes live in provisioning/dashboards, and the nested panel has
// its own logo.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';

import { copyFilePatterns } from './.config/bundler/copyFiles';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

// The repository has no LICENSE (yet); the archive gets it once it exists.
const optional = new Set(['../LICENSE', '../CHANGELOG.md']);

const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  const plugins = (baseConfig.plugins ?? []).filter((p) => !(p instanceof CopyWebpackPlugin));
  plugins.push(
    new CopyWebpackPlugin({
      patterns: [
        ...copyFilePatterns.map((p) => (optional.has(p.from) ? { ...p, noErrorOnMissing: true } : p)),
        // plugin.json's "includes" name dashboards/<file>.json.
        { from: '../provisioning/dashboards/*.json', to: 'dashboards/[name][ext]' },
        // The nested panel's logo (its plugin.json is copied by the **/*.json pattern).
        { from: 'panels/*/img/*', to: '[path][name][ext]' },
      ],
    })
  );
  return { ...baseConfig, plugins };
};

export default config;
