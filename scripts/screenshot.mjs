// Takes the README's screenshot of the web client (docs/web-client.png): a server on free
// loopback ports, a conversation between a browser page and two terminal clients, one picture.
// Needs a build (`npm run build`) and Chromium (apt-get install -y chromium).
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { createServer } from '../dist/src/index.js';
import { connect } from '../dist/src/client/index.js';

const server = await createServer({ host: '127.0.0.1', port: 0, http: true, httpPort: 0 });
const tcp = (nickname) => connect({ host: '127.0.0.1', port: server.port, nickname });
const browser = await chromium.launch({
  executablePath: process.env.NATTER_TEST_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 620 } });
  await page.goto(`http://127.0.0.1:${server.webAddress.port}/`);
  const minsu = await tcp('민수');
  await page.getByLabel('Nickname', { exact: true }).fill('alice');
  await page.getByLabel('Nickname', { exact: true }).press('Enter');
  const box = page.getByLabel('Message', { exact: true });
  await box.waitFor();
  const pause = () => sleep(150);
  const bob = await tcp('bob');
  await pause();
  await minsu.chat('안녕하세요! 다들 잘 지내요? 👋');
  await pause();
  await box.fill('Hi both! The web client and the terminal client share one room.');
  await box.press('Enter');
  await pause();
  await bob.chat('And a <b>tag</b> stays text, as it should.');
  await pause();
  await bob.whisper('alice', 'lunch at noon?');
  await pause();
  await page.getByRole('button', { name: 'Whisper back to bob' }).click();
  await box.fill('yes, see you there');
  await box.press('Enter');
  await pause();
  await minsu.rename('minsu');
  await pause();
  await page.getByRole('button', { name: 'Stop whispering' }).click();
  await box.fill('Shift+Enter for a new line,\nEnter to send.');
  await box.press('Enter');
  await page.locator('#rtt', { hasText: /ms$/ }).waitFor();
  await pause();
  await page.screenshot({ path: 'docs/web-client.png' });
  process.stdout.write('wrote docs/web-client.png\n');
  minsu.destroy();
  bob.destroy();
} finally {
  await browser.close();
  await server.close();
}
