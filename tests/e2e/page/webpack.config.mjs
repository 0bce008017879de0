// Builds the browser end-to-end page (docs/e2e.md): the plugin's real components with
// @grafana/ui, @grafana/runtime and React bundled in (a Grafana server would provide
// them as externals), into tests/e2e/page/dist, which the e2e host serves.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import CopyWebpackPlugin from 'copy-webpack-plugin';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

export default {
  mode: 'development',
  // No source maps and no minification: the page is built on every `npm run e2e`.
  devtool: false,
  context: here,
  entry: { main: './index.tsx' },
  output: {
    path: path.join(here, 'dist'),
    publicPath: '/',
    filename: 'e2e/[name].js',
    chunkFilename: 'e2e/[name].js',
    clean: true,
  },
  cache: {
    type: 'filesystem',
    cacheDirectory: path.join(root, 'node_modules', '.cache', 'e2e-page'),
    buildDependencies: { config: [fileURLToPath(import.meta.url)] },
  },
  resolve: {
    extensions: ['.tsx', '.ts', '.mjs', '.js', '.json'],
    modules: [path.join(root, 'node_modules'), 'node_modules'],
  },
  module: {
    rules: [
      // @grafana packages ship .mjs files that import without extensions.
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true, dynamicImport: true },
            },
          },
        },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
    ],
  },
  plugins: [new CopyWebpackPlugin({ patterns: [{ from: 'index.html', to: 'index.html' }] })],
  performance: { hints: false },
  // @grafana/ui bundles a react-router v5 compatibility layer the plugin never uses.
  ignoreWarnings: [{ module: /react-router-dom-v5-compat/ }],
  stats: 'errors-warnings',
};
