// Refused input is shown next to the right field, in words: first what the app itself checks,
// then what only the city knows (a place outside the city); and the door's rate limit is shown
// with when the app will try again. The harness starts the gateway with a write limit of 3 a
// minute per address.

import { accessible, assert, eventually, jpeg, open, phone, run, screenshot, step } from '../support/browser.mjs';

await run(async (browser) => {
  // GPS says Jakarta: a place the city cannot take.
  const context = await phone(browser, { geolocation: { latitude: -6.2088, longitude: 106.8456 } });
  const page = await open(context, '#/lapor');

  step('an empty form: every missing field is named next to itself');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.locator('#summary').waitFor();
  assert.equal(await page.locator('#category-error').textContent(), 'Pilih jenis masalah.');
  assert.match(await page.locator('#description-error').textContent(), /Ceritakan masalahnya/);
  assert.match(await page.locator('#place-error').textContent(), /Tandai tempatnya/);
  assert.match(await page.locator('#phone-error').textContent(), /nomor HP atau email/);
  assert.equal(await page.getByLabel('Ceritakan masalahnya').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Nomor HP').fill('12345');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  assert.match(await page.locator('#phone-error').textContent(), /Nomor HP tidak valid/);
  await screenshot(page, 'refused-by-the-app');
  await accessible(page, 'form with errors');

  step('a place outside the city: the city refuses, the app says where and why');
  await page.getByLabel('Pohon tumbang').check();
  await page.getByRole('button', { name: 'Pakai lokasi saya' }).click();
  await page.getByText('Lokasi ditemukan').waitFor();
  await page.getByLabel('Ceritakan masalahnya').fill('Pohon tumbang menutup jalan, kabel listrik ikut tertarik.');
  await page.getByLabel('Nomor HP').fill('081233334444');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan ditolak' }).waitFor({ timeout: 30000 });
  assert.match(await page.locator('.problems').textContent(), /di luar wilayah kota/);
  await screenshot(page, 'refused-by-the-city');
  await accessible(page, 'refused');
  await page.getByRole('link', { name: 'Perbaiki' }).click();
  await page.getByRole('heading', { name: 'Laporan baru' }).waitFor();
  assert.match(await page.locator('#place-error').textContent(), /di luar wilayah kota/);
  assert.equal(await page.getByLabel('Ceritakan masalahnya').inputValue(),
    'Pohon tumbang menutup jalan, kabel listrik ikut tertarik.', 'what was typed is kept');

  step('fixed: the pin moved into Malang, sent with the same report');
  await context.setGeolocation({ latitude: -7.9666, longitude: 112.6326 });
  await page.getByRole('button', { name: 'Pakai lokasi saya' }).click();
  await page.getByText('Lokasi ditemukan').waitFor();
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan diterima' }).waitFor({ timeout: 30000 });

  const ticket = (await page.locator('#ticket').textContent()).trim();

  step('past the limit of the door: the report waits, and the app says when it tries again');
  // The limit counts per minute: a minute that turns during the test lets one more report in,
  // so the reports go on until one waits (3 writes a minute: the second report at the latest).
  let waiting = false;
  for (let attempt = 1; attempt <= 3 && !waiting; attempt += 1) {
    await page.goto(`${process.env.SKK_URL}/#/lapor`);
    await page.getByRole('heading', { name: 'Laporan baru' }).waitFor();
    await page.getByLabel('Sampah').check();
    await page.getByLabel('Pilih dari galeri').setInputFiles([await jpeg(page, 1200, 900)]);
    await page.locator('.photos img').first().waitFor();
    await page.getByLabel('Alamat atau patokan').fill('Pasar Besar, pintu timur');
    await page.getByLabel('Ceritakan masalahnya').fill(`Sampah pasar menumpuk sejak Senin (${attempt}).`);
    await page.getByLabel('Lapor tanpa nama (anonim)').check();
    await page.getByRole('button', { name: 'Kirim laporan' }).click();
    await page.waitForURL(/#\/laporan\//);
    await page.goto(`${process.env.SKK_URL}/#/`);
    // Either it went through (the outbox is empty) or it waits with the time of its next try.
    const outcome = await eventually('the report sent or waiting', async () => {
      const reports = await page.evaluate(() => new Promise((resolve) => {
        const request = indexedDB.open('sambat');
        request.onsuccess = () => {
          const all = request.result.transaction('outbox').objectStore('outbox').getAll();
          all.onsuccess = () => resolve(all.result.map((r) => ({ state: r.state, attempts: r.attempts })));
        };
      }));
      if (reports.length === 0) return 'sent';
      return reports.some((r) => r.state === 'waiting' && r.attempts > 0) ? 'waiting' : '';
    }, 30000);
    if (outcome === 'waiting') {
      await page.getByText(/Dicoba lagi pukul \d{2}[.:]\d{2}/).waitFor({ timeout: 10000 });
      waiting = true;
    }
  }
  assert.ok(waiting, 'a report past the limit waits, with the time of its next try');
  await screenshot(page, 'rate-limited');
  await accessible(page, 'rate limited');
  console.log(`EXPECT_ONE ${ticket}`);
});
