// A bad network is the normal case: a report written with no signal survives the app being
// closed and is sent once when the signal returns; a connection cut in the middle of a photo
// upload is tried again by the app itself, and the city stores each report exactly once.

import { accessible, assert, cuttingRelay, eventually, jpeg, open, phone, run, screenshot, step } from '../support/browser.mjs';

async function fillReport(page, description) {
  await page.getByRole('link', { name: 'Buat laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan baru' }).waitFor();
  await page.getByLabel('Sampah').check();
  await page.getByLabel('Pilih dari galeri').setInputFiles([await jpeg(page, 4000, 3000)]);
  await page.locator('.photos img').first().waitFor();
  await page.getByRole('button', { name: 'Pakai lokasi saya' }).click();
  await page.getByText('Lokasi ditemukan').waitFor();
  await page.getByLabel('Ceritakan masalahnya').fill(description);
  await page.getByLabel('Nomor HP').fill('081298765432');
}

await run(async (browser) => {
  step("a first visit when the city's categories do not come: the form says so and opens once they do");
  {
    // No service worker here: the page's own request is the one that fails.
    const first = await phone(browser, { serviceWorkers: 'block' });
    let refused = 0;
    await first.route('**/api/v1/city', (route) => { refused += 1; return route.abort('internetdisconnected'); });
    const page = await open(first, '#/lapor');
    await page.getByText('Tidak ada sambungan').waitFor();
    await screenshot(page, 'no-categories-yet');
    await accessible(page, 'no categories yet');
    const again = page.getByRole('button', { name: 'Coba lagi' });
    const before = refused;
    await again.click();
    await eventually('the categories asked for again', () => refused > before);
    await page.getByText('Tidak ada sambungan').waitFor();  // still nothing: still said
    await first.unroute('**/api/v1/city');
    await again.click();
    await page.getByRole('button', { name: 'Kirim laporan' }).waitFor();
    await first.close();
  }

  const relay = await cuttingRelay();
  const context = await phone(browser);
  let page = await open(context);
  step('the app installs its service worker while there is a signal');
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  await page.locator('main h1').waitFor();
  assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), 'the page is served by the worker');
  // Installable to the home screen: Chromium finds nothing missing (a test's context is
  // incognito, which alone does not install).
  const devtools = await context.newCDPSession(page);
  const { installabilityErrors } = await devtools.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'), []);

  step('no signal: the report is written and kept on the phone');
  await context.setOffline(true);
  await fillReport(page, 'Tumpukan sampah di pinggir Jl. Soekarno-Hatta, bau dan menutup trotoar.');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan tersimpan di ponsel' }).waitFor();
  assert.ok(await page.locator('#net').isVisible(), 'the app says there is no connection');
  await screenshot(page, 'offline-queued');
  await accessible(page, 'offline queued');

  step('the app is closed and opened again, still without a signal');
  await page.close();
  page = await open(context);
  await page.getByRole('heading', { name: 'Menunggu dikirim' }).waitFor();
  assert.equal(await page.locator('.outbox').count(), 1);
  await screenshot(page, 'offline-reopened');

  step('the signal returns: the report is sent, once');
  await context.setOffline(false);
  await page.locator('.cards .card:not(.outbox)').getByText(/SKK-\d{4}-\d{6}/).waitFor({ timeout: 60000 });
  await page.getByRole('heading', { name: 'Menunggu dikirim' }).waitFor({ state: 'hidden' });
  const first = (await page.locator('.cards .card:not(.outbox) strong').first().textContent()).trim();
  console.log(`sent after the signal returned: ${first}`);

  step('the signal drops in the middle of a photo upload: the app tries again by itself');
  relay.cutNextUpload(64 * 1024);
  await fillReport(page, 'Sampah liar di bantaran sungai Brantas belakang pasar, sudah seminggu.');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan diterima' }).waitFor({ timeout: 60000 });
  assert.equal(relay.cuts, 1, 'one upload was cut after 64 KB');

  step('after a reload: both reports are followed, none waits');
  await page.goto(`${relay.url}/#/`);
  await page.locator('main h1').waitFor();
  await page.locator('.cards .card:not(.outbox)').nth(1).waitFor();
  assert.equal(await page.locator('.cards .card:not(.outbox)').count(), 2);
  assert.equal(await page.locator('.outbox').count(), 0);
  await screenshot(page, 'both-sent');
  console.log('EXPECT_COMPLAINTS 2');
  relay.close();
});
