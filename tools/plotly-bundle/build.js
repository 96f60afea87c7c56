// Builds dashboard/assets/vendor/plotly-mimika.min.js: plotly.js with the traces the dashboard draws and nothing
// else (the full bundle is 4.8 MB, this one 1.26 MB; 375 KB with brotli). Dash loads it from assets/ on every page,
// and dcc.Graph then uses it instead of fetching plotly's own bundle. Run: npm ci && npm run build.
// Keep plotly.js at the version the Python plotly package expects (tests/unit/test_plotly_bundle.py checks it).
const fs = require('fs');
const zlib = require('zlib');
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');
const version = require('plotly.js/package.json').version;
const outfile = '../../dashboard/assets/vendor/plotly-mimika.min.js';

esbuild.build({
  entryPoints: ['./entry.js'],
  outfile,
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  target: 'es2016',
  banner: { js: `/*! plotly.js v${version} (MIT, Plotly, Inc.) — Mimika Center bundle: traces bar, heatmap, scatter */` },
  plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
  alias: { stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false' },
  logLevel: 'info',
}).then(() => {
  // Brotli at quality 11 beside it (8 % smaller than the quality 9 the server can afford per request); the
  // server sends this file as it is (dashboard/static_compression.py).
  const packed = zlib.brotliCompressSync(fs.readFileSync(outfile), {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 } });
  fs.writeFileSync(outfile + '.br', packed);
}).catch(() => process.exit(1));
