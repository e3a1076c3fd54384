// Builds the web client into dist/web: the page, its stylesheet, its script, and the client
// library for browsers (natter-client.js). Run by `npm run build`; esbuild does the bundling.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const out = 'dist/web';
mkdirSync(out, { recursive: true });
const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'none',
  // The client emits its events through Node's EventEmitter; in a browser, the `events` package
  // is the same API.
  alias: { 'node:events': 'events' },
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: { app: 'web/app/main.ts' },
  outdir: out,
  sourcemap: 'linked',
});
await build({ ...common, entryPoints: { 'natter-client': 'src/client/browser.ts' }, outdir: out });
await build({ ...common, entryPoints: { style: 'web/style.css' }, outdir: out });
copyFileSync('web/index.html', `${out}/index.html`);
