// The cgrid dashboard in a real headless browser: Debian's Chromium (/usr/bin/chromium, or
// CGRID_CHROMIUM) driven by playwright-core, against the demo node of
// `cargo run --example dashboard_fixture` (CGRID_DASHBOARD_FIXTURE: the built binary).
// Screenshots go to CGRID_SCREENSHOTS (default: a temporary directory).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const fixturePath = process.env.CGRID_DASHBOARD_FIXTURE;
const chromiumPath = process.env.CGRID_CHROMIUM || '/usr/bin/chromium';
const shots = process.env.CGRID_SCREENSHOTS || mkdtempSync(join(tmpdir(), 'cgrid-dashboard-'));
mkdirSync(shots, { recursive: true });

let fixture, api, world, browser;

/** Starts the fixture and reads its two announcement lines. */
async function startFixture() {
  assert.ok(fixturePath, 'CGRID_DASHBOARD_FIXTURE names the fixture binary');
  fixture = spawn(fixturePath, [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: fixture.stdout });
  const it = lines[Symbol.asyncIterator]();
  const first = (await it.next()).value;
  const second = (await it.next()).value;
  api = first.replace(/^api /, '');
  world = JSON.parse(second);
}

const headers = (withToken) => ({
  'content-type': 'application/json',
  ...(withToken ? { authorization: `Bearer ${world.token}` } : {}),
});
async function get(path) {
  const res = await fetch(api + path);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.json();
}

before(async () => {
  await startFixture();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  fixture?.kill();
});

async function overview(viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  await page.goto(`${api}/dashboard`);
  await page.waitForSelector('#channels tbody tr');
  return page;
}

const rowOf = (page, id) => page.locator(`#channels tbody tr[data-channel="${id}"]`);

test('the overview lists the trades with their figures', async () => {
  const page = await overview();
  await page.waitForFunction(() => document.querySelectorAll('#channels tbody tr').length === 3);
  for (const id of [world.checkpointed, world.unsettled, world.masked]) {
    assert.equal(await rowOf(page, id).count(), 1, `row of ${id}`);
  }
  assert.equal(await page.textContent('[data-figure="open"]'), '3');
  assert.equal(await page.textContent('[data-figure="minutes"]'), '18');
  // 6 minutes at 120 not checkpointed; the masked trade's amounts are withheld.
  assert.equal(await page.textContent('[data-figure="unsettled"]'), '720 (+1 withheld)');
  await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });

  await page.close();
});

test('an action without the token is refused and changes nothing; with it, it is done', async () => {
  const page = await overview();
  await page.goto(`${api}/dashboard#/channel/${world.unsettled}`);
  await page.waitForSelector('#channel-chart circle.point');
  assert.match(await page.textContent('#actions-note'), /need the operator's API token/);
  await page.click('#checkpoint');
  await page.waitForSelector('#action-result.refused');
  assert.match(await page.textContent('#action-result'), /needs the operator's API token/);
  assert.equal((await get(`/channels/${world.unsettled}`)).settled.nonce, 0, 'nothing settled');
  await page.click('#close');
  await page.waitForFunction(() => /close refused/.test(document.querySelector('#action-result').textContent));
  assert.equal((await get(`/channels/${world.unsettled}`)).phase, 'open', 'still open');

  await page.fill('#token', world.token);
  await page.click('#token-form button[type="submit"]');
  await page.waitForSelector('#channel-chart circle.point');
  await page.click('#checkpoint');
  await page.waitForFunction(() => /checkpoint: sent|refused/.test(document.querySelector('#action-result').textContent));
  assert.equal(await page.textContent('#action-result'), 'checkpoint: sent');
  assert.equal((await get(`/channels/${world.unsettled}`)).settled.nonce, 6, 'checkpointed');
  await page.close();
});

test('a channel page charts one point per signed state', async () => {
  const page = await overview();
  await page.click(`#channels tbody tr[data-channel="${world.checkpointed}"] a`);
  await page.waitForSelector('#channel-chart circle.point');
  const history = await get(`/channels/${world.checkpointed}/history`);
  assert.equal(history.length, 6);
  assert.equal(await page.locator('#channel-chart circle.point').count(), history.length);
  assert.match(await page.textContent('#chart-caption'), /6 signed states/);
  assert.equal(await page.locator('#states tbody tr').count(), 6);
  const terms = await page.textContent('#terms');
  assert.match(terms, /Price per minute100/);
  assert.match(terms, /did:cgrid:0x[0-9a-f]{64}/, 'the parties as the escrow names them');
  await page.screenshot({ path: join(shots, 'channel.png'), fullPage: true });
  await page.close();
});

test('a masked trade shows the marker and withholds what the regulator hid', async () => {
  const page = await overview();
  const row = rowOf(page, world.masked);
  assert.equal(await row.locator('.mask').textContent(), 'MASKED · reason 7');
  assert.equal(await row.locator('td[data-label="Billed"]').textContent(), 'withheld');
  await page.goto(`${api}/dashboard#/channel/${world.masked}`);
  await page.waitForSelector('#masked:not([hidden])');
  assert.match(await page.textContent('#masked'), /MASKED by a regulator \(reason 7/);
  assert.match(await page.textContent('#terms'), /Consumerwithheld/);
  assert.match(await page.textContent('#chart-caption'), /withheld under the mask/);
  assert.equal(await page.locator('#channel-chart circle.point').count(), 0);
  await page.screenshot({ path: join(shots, 'masked.png'), fullPage: true });
  await page.close();
});

test('the numbers move while a trade bills, without a reload', async () => {
  // Last but one: the long trade moves the embedded chain's clock past the other trades' expiry.
  const page = await overview();
  // A long trade billed in the background (the operator's token opens it).
  const res = await fetch(`${api}/channels`, {
    method: 'POST', headers: headers(true),
    body: JSON.stringify({ minutes: 10000, price_per_minute: 10, checkpoint_every: 2000 }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const long = (await res.json()).id;
  await rowOf(page, long).waitFor();
  const minutes = async () => Number((await page.textContent('[data-figure="minutes"]')).replace(/,/g, ''));
  const seen = [await minutes()];
  for (let i = 0; i < 100 && seen.length < 3; i++) {
    await page.waitForTimeout(200);
    const now = await minutes();
    if (now > seen[seen.length - 1]) seen.push(now);
  }
  assert.ok(seen.length >= 3, `the minutes billed rose live without a reload: ${seen}`);
  assert.ok(seen.every((v, i) => i === 0 || v > seen[i - 1]));
  assert.equal(await rowOf(page, long).locator('td[data-label="Job"]').textContent(), 'billing');
  // The total chart draws what it saw.
  assert.ok((await page.locator('#total-chart polyline').count()) === 1);
  await page.close();
});

test('usable at a phone\'s width', async () => {
  const page = await overview({ width: 375, height: 812 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
  // Each row is a card whose cells say what they are (the header row is out of sight).
  const cellDisplay = await page.locator('#channels tbody tr td').first().evaluate(
    (td) => getComputedStyle(td).display);
  assert.equal(cellDisplay, 'flex');
  assert.equal(await page.locator('#channels tbody tr td').first().getAttribute('data-label'), 'Channel');
  const headWidth = await page.locator('#channels thead').evaluate((t) => t.getBoundingClientRect().width);
  assert.ok(headWidth <= 1, `the header row is out of sight (${headWidth}px)`);
  await page.screenshot({ path: join(shots, 'phone.png'), fullPage: true });
  await page.goto(`${api}/dashboard#/channel/${world.checkpointed}`);
  await page.waitForSelector('#channel-chart circle.point');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `the channel page fits too (${wide}px too wide)`);
  await page.close();
});
