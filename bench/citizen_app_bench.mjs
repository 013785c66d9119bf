// The citizens' app on a slow network (issue 16): Debian's Chromium with the DevTools protocol's
// network emulation at 400 kbit/s both ways and a 400 ms round trip ("slow 3G"), against the
// running system (bench/citizen_app_bench.sh starts it). Prints:
//   - the first screen, cold (nothing cached): until the "Buat laporan" button can be pressed,
//     and the JavaScript it cost, gzipped, as it crossed the network;
//   - the first screen again, from the service worker's cache;
//   - a report with two phone photos (4000x3000 JPEGs from the camera): from "Kirim laporan"
//     until the ticket is shown, and the bytes that went up.
// Targets: under 5 s cold, under 1 s from the cache, the report under 30 s, first screen at most
// 100 KB of JavaScript.

import { jpeg, phone, phoneBrowser, step } from '../tests/support/browser.mjs';

const SLOW_3G = { offline: false, latency: 400, downloadThroughput: 50000, uploadThroughput: 50000 };
const runs = Number(process.env.BENCH_RUNS || 3);

async function throttled(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
  // Bytes as they crossed the network (after gzip), per request.
  const sizes = new Map();
  const types = new Map();
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.response.mimeType));
  cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength));
  return {
    cdp,
    jsBytes: () => [...sizes].filter(([id]) => /javascript/.test(types.get(id) || ''))
      .reduce((sum, [, n]) => sum + n, 0),
    allBytes: () => [...sizes.values()].reduce((a, b) => a + b, 0),
  };
}

async function firstScreen(page) {
  const start = Date.now();
  await page.goto(`${process.env.SKK_URL}/`, { waitUntil: 'commit' });
  await page.getByRole('link', { name: 'Buat laporan' }).waitFor();
  return Date.now() - start;
}

const percent = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

const browser = await phoneBrowser();
const cold = [];
const warm = [];
const reports = [];
let js = 0;
let all = 0;
try {
  for (let i = 0; i < runs; i += 1) {
    step(`run ${i + 1} of ${runs}`);
    const context = await phone(browser, { serviceWorkers: 'allow' });
    let page = await context.newPage();
    let net = await throttled(context, page);
    cold.push(await firstScreen(page));
    js = net.jsBytes();
    all = net.allBytes();
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.close();

    page = await context.newPage();
    net = await throttled(context, page);
    warm.push(await firstScreen(page));

    // Two photos as a phone's camera gives them, made in the page before the network counts.
    const photos = [await jpeg(page, 4000, 3000), await jpeg(page, 4000, 3000)];
    await page.getByRole('link', { name: 'Buat laporan' }).click();
    await page.getByLabel('Jalan rusak').check();
    await page.getByLabel('Pilih dari galeri').setInputFiles(photos);
    await page.locator('.photos img').nth(1).waitFor({ timeout: 60000 });
    await page.getByRole('button', { name: 'Pakai lokasi saya' }).click();
    await page.getByText('Lokasi ditemukan').waitFor();
    await page.getByLabel('Ceritakan masalahnya').fill(`Jalan berlubang, laporan uji kecepatan ${i + 1}.`);
    await page.getByLabel('Lapor tanpa nama (anonim)').check();
    const uploads = [];
    page.on('response', async (r) => {
      if (r.url().endsWith('/api/v1/media') && r.ok()) uploads.push(Number((await r.json()).size_bytes));
    });
    const started = Date.now();
    await page.getByRole('button', { name: 'Kirim laporan' }).click();
    await page.getByRole('heading', { name: 'Laporan diterima' }).waitFor({ timeout: 120000 });
    reports.push(Date.now() - started);
    console.log(`  photos from the camera: ${photos.map((p) => `${(p.buffer.length / 1024).toFixed(0)} KB`).join(' + ')}; ` +
      `uploaded after shrinking: ${uploads.map((n) => `${(n / 1024).toFixed(0)} KB`).join(' + ')}`);
    await context.close();
  }
} finally {
  await browser.close();
}

console.log('');
console.log('citizen app on slow 3G (400 kbit/s, 400 ms round trip), median of runs and worst:');
console.log(`  first screen, cold:           ${seconds(percent(cold, 0.5))}, worst ${seconds(Math.max(...cold))}   (target < 5 s)`);
console.log(`  first screen, from the cache: ${seconds(percent(warm, 0.5))}, worst ${seconds(Math.max(...warm))}   (target < 1 s)`);
console.log(`  report with two 4000x3000 photos, send until ticket: ${seconds(percent(reports, 0.5))}, worst ${seconds(Math.max(...reports))}   (target < 30 s)`);
console.log(`  first screen's JavaScript over the network (gzipped): ${(js / 1024).toFixed(1)} KB of ${(all / 1024).toFixed(1)} KB in all   (target <= 100 KB)`);
