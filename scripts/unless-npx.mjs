// Runs one of `npm install`'s steps (the native build, the TypeScript build), unless npm runs it
// for `npx natter` in this folder: npx then installs the folder into its cache as a package,
// which runs these steps again, here, on a folder that is built already (and under the feet of
// whatever is running from it).
import { spawnSync } from 'node:child_process';
import process from 'node:process';

if (process.env.npm_command === 'exec') process.exit(0);
const [command, ...args] = process.argv.slice(2);
const result = spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(result.status ?? 1);
