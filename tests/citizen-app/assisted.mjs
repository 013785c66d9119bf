// A KIM volunteer's shared tablet: the volunteer number once, then a report on behalf of a
// resident, with the resident's contact; once the tracking link is handed over the device keeps
// nothing of the resident's complaint.

import { accessible, assert, open, phone, run, screenshot, step } from '../support/browser.mjs';

await run(async (browser) => {
  const context = await phone(browser, { viewport: { width: 800, height: 1280 } });  // a tablet
  const page = await open(context, '#/relawan');

  step('the volunteer turns assisted mode on');
  await screenshot(page, 'volunteer-mode');
  await accessible(page, 'volunteer mode');
  await page.getByLabel('Nomor relawan KIM').fill('KIM-KLOJEN-017');
  await page.getByRole('button', { name: 'Aktifkan' }).click();
  await page.getByText('Mode relawan KIM aktif: KIM-KLOJEN-017').waitFor();

  step('a report for a resident: no anonymity, the resident\'s contact is required');
  await page.getByRole('link', { name: 'Buat laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan baru' }).waitFor();
  assert.equal(await page.getByLabel('Lapor tanpa nama (anonim)').count(), 0);
  await page.getByLabel('Penerangan jalan umum').check();
  await page.getByLabel('Alamat atau patokan').fill('Jl. Semeru depan Stadion Gajayana');
  await page.getByLabel('Ceritakan masalahnya').fill('Tiga lampu jalan mati sejak Jumat, gelap sekali.');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  assert.match(await page.locator('#phone-error').textContent(), /nomor HP atau email warga/);
  await page.getByLabel('Nama', { exact: true }).fill('Pak Slamet');
  await page.getByLabel('Nomor HP').fill('081355556666');
  await screenshot(page, 'assisted-form');
  await accessible(page, 'assisted form');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan diterima' }).waitFor({ timeout: 30000 });
  const ticket = (await page.locator('#ticket').textContent()).trim();

  step('handed over: the device forgets the resident\'s complaint');
  await page.getByRole('link', { name: 'Lihat pengaduan' }).click();
  await page.getByRole('button', { name: 'Sudah diserahkan: hapus dari perangkat ini' }).click();
  await page.getByText('Belum ada pengaduan di ponsel ini.').waitFor();
  const kept = await page.evaluate(() => new Promise((resolve) => {
    const request = indexedDB.open('sambat');
    request.onsuccess = () => {
      const all = request.result.transaction('complaints').objectStore('complaints').getAll();
      all.onsuccess = () => resolve(all.result.length);
    };
  }));
  assert.equal(kept, 0);
  await screenshot(page, 'assisted-handed-over');
  console.log(`EXPECT_ONE ${ticket}`);
  console.log(`EXPECT_ASSISTED ${ticket} KIM-KLOJEN-017`);
});
