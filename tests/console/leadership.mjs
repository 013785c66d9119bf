// Leadership's dashboard and weekly report (docs/console.md), for tests/console/dashboard_test.cc:
// signs in as SKK_LEADER_USER / SKK_LEADER_PASSWORD, opens #/dasbor for SKK_FROM..SKK_TO
// (RFC 3339) and prints every agency row's figures as the page holds them:
//   FIGURE <agency code|city> <figure>=<data-value> ...
// then opens #/laporan for the same period, downloads the CSV through the page's link and
// prints each of its lines as "CSV <line>". Every screen is screenshot and scanned by axe.

import fs from 'node:fs/promises';
import { accessible, assert, desk, run, screenshot, step, URL_BASE } from '../support/browser.mjs';

const FROM = process.env.SKK_FROM;
const TO = process.env.SKK_TO;
const period = `from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;

async function figures(page) {
  return page.locator('table.figures tr[data-agency]').evaluateAll((rows) => rows.map((row) =>
    `FIGURE ${row.dataset.agency} ${[...row.querySelectorAll('[data-figure]')]
      .map((cell) => `${cell.dataset.figure}=${cell.dataset.value}`).join(' ')}`));
}

await run(async (browser) => {
  assert.ok(FROM && TO, 'SKK_FROM and SKK_TO name the period');
  const context = await desk(browser);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));

  step('leadership signs in');
  await page.goto(`${URL_BASE}/console/`);
  await page.getByLabel('Nama pengguna').fill(process.env.SKK_LEADER_USER);
  await page.getByLabel('Kata sandi', { exact: true }).fill(process.env.SKK_LEADER_PASSWORD);
  await page.getByRole('button', { name: 'Masuk' }).click();
  await page.getByRole('link', { name: /Dasbor|Statistik/ }).waitFor();

  step(`the dashboard for ${FROM} .. ${TO}`);
  await page.goto(`${URL_BASE}/console/#/dasbor?${period}`);
  await page.locator('table.figures tfoot tr[data-agency="city"]').waitFor();
  for (const line of await figures(page)) console.log(line);
  await page.locator('figure.trend svg').waitFor();
  await page.locator('.dashboard-map.leaflet-container').waitFor();
  await screenshot(page, 'dashboard');
  await accessible(page, 'dashboard');
  await page.getByText('Tabel tren per minggu').click();
  await page.locator('table.trend-table tbody tr').first().waitFor();
  await screenshot(page, 'dashboard-trend-table');

  step('the weekly report for the same period, on screen and on paper');
  await page.getByRole('link', { name: 'Laporan mingguan' }).waitFor();
  await page.goto(`${URL_BASE}/console/#/laporan?${period}`);
  await page.locator('table.figures tfoot tr[data-agency="city"]').waitFor();
  await screenshot(page, 'report');
  await accessible(page, 'report');
  await page.emulateMedia({ media: 'print' });
  assert.ok(!(await page.locator('header.bar').isVisible()), 'no menu on paper');
  await page.setViewportSize({ width: 794, height: 1123 });  // A4 at 96 dpi
  await screenshot(page, 'report-print');
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 1280, height: 800 });

  step('the CSV, downloaded through the page\'s link');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Unduh CSV' }).click(),
  ]);
  const csv = await fs.readFile(await download.path(), 'utf8');
  assert.match(download.suggestedFilename(), /\.csv$/);
  for (const line of csv.split(/\r?\n/).filter(Boolean)) console.log(`CSV ${line}`);
});
