// The whole journey on a phone: report with two photos and GPS, see the ticket; the agency asks
// a question; the citizen answers with a photo; the agency resolves; the citizen rates, then
// reopens. Every screen is scanned by axe-core and photographed.

import { accessible, assert, eventually, jpeg, Officer, open, phone, run, screenshot, step } from '../support/browser.mjs';

await run(async (browser) => {
  const context = await phone(browser);
  const page = await open(context);
  await screenshot(page, 'home-empty');
  await accessible(page, 'home');

  step('report: category, two photos from the gallery, GPS, description, contact');
  await page.getByRole('link', { name: 'Buat laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan baru' }).waitFor();
  await page.getByPlaceholder('Cari jenis masalah').fill('jalan');
  await page.getByLabel('Jalan rusak').check();
  await page.getByLabel('Pilih dari galeri').setInputFiles([
    await jpeg(page, 4000, 3000), await jpeg(page, 3000, 4000)]);
  await assert.doesNotReject(page.locator('.photos img').nth(1).waitFor());
  await page.getByRole('button', { name: 'Pakai lokasi saya' }).click();
  await page.getByText('Lokasi ditemukan').waitFor();
  await page.getByLabel('Alamat atau patokan').fill('Jl. Kawi depan SDN Kauman 1');
  await page.getByLabel('Ceritakan masalahnya').fill(
    'Jalan berlubang besar, sudah dua minggu, motor sering jatuh di malam hari.');
  await page.getByLabel('Nama', { exact: true }).fill('Siti Aminah');
  await page.getByLabel('Nomor HP').fill('0812 3456 7890');
  await screenshot(page, 'report-filled');
  await accessible(page, 'report form');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();

  step('the ticket is shown, with the tracking link');
  await page.getByRole('heading', { name: 'Laporan diterima' }).waitFor({ timeout: 60000 });
  const ticket = (await page.locator('#ticket').textContent()).trim();
  assert.match(ticket, /^SKK-\d{4}-\d{6}$/);
  const link = await page.locator('input.link').inputValue();
  assert.ok(link.includes(`#/lacak/${ticket}/`), link);
  await screenshot(page, 'sent');
  await accessible(page, 'sent');

  step('the officer asks a question');
  const officer = await new Officer().signIn();
  const kase = await officer.caseOf(ticket);
  await officer.call('POST', `cases/${kase.complaint_id}/claim`, {});
  await officer.call('POST', `cases/${kase.complaint_id}/request-info`, {
    question: 'Mohon foto lubang dari dekat dan patokan yang terlihat.' });

  step('the citizen sees the question in "my complaints" and answers with a photo');
  await page.getByRole('link', { name: 'Lihat pengaduan' }).click();
  await eventually('the question', async () => {
    await page.reload();
    await page.locator('main h1').waitFor();
    return page.getByRole('heading', { name: 'Dinas meminta keterangan' }).isVisible();
  });
  assert.ok(await page.getByText('DPUPRPKP').first().isVisible());
  await page.locator('.photos img').nth(1).waitFor();  // the complaint's two photos, fetched with the token
  await screenshot(page, 'question');
  await accessible(page, 'complaint with a question');
  await page.locator('#answer-gallery').setInputFiles([await jpeg(page, 2000, 1500)]);
  await page.getByLabel('Jawaban Anda').fill('Sudah saya foto dari dekat. Patokannya tiang listrik nomor 12.');
  await page.getByRole('button', { name: 'Kirim jawaban' }).click();
  await page.getByText('Jawaban terkirim.').waitFor();

  step('the officer resolves');
  await eventually('the answer in the case', async () => {
    const c = await officer.call('GET', `cases/${kase.complaint_id}`);
    return JSON.stringify(c).includes('tiang listrik nomor 12');
  });
  await officer.call('POST', `cases/${kase.complaint_id}/resolve`, { note: 'Lubang sudah ditambal.' });

  step('the citizen rates, then reopens');
  await eventually('the resolution', async () => {
    await page.reload();
    await page.locator('main h1').waitFor();
    return page.getByRole('heading', { name: 'Bagaimana penyelesaiannya?' }).isVisible();
  });
  await screenshot(page, 'resolved');
  await accessible(page, 'resolved');
  await page.getByLabel('4 dari 5').check();
  await page.getByLabel('Komentar (boleh kosong)').fill('Cepat, terima kasih.');
  await page.getByRole('button', { name: 'Kirim nilai' }).click();
  await page.getByText('nilai Anda tersimpan: 4 dari 5').first().waitFor();
  await eventually('the reopen form', async () => {
    await page.reload();
    await page.locator('main h1').waitFor();
    return page.getByRole('heading', { name: 'Belum selesai?' }).isVisible();
  });
  await page.getByLabel('Apa yang belum selesai?').fill('Tambalannya sudah lepas lagi setelah hujan.');
  await page.getByRole('button', { name: 'Buka kembali pengaduan' }).click();
  await page.getByText('Pengaduan dibuka kembali.').waitFor();
  await eventually('the reopened state', async () => {
    await page.reload();
    await page.locator('main h1').waitFor();
    return (await page.locator('.facts').textContent()).includes('Dibuka kembali');
  });
  const due = await page.locator('.facts').textContent();
  assert.ok(!due.includes('Terlambat'), `a reopened complaint is not late by its old clock: ${due}`);

  step('the messages the citizen was sent, masked');
  await page.getByText('+628******7890').first().waitFor({ timeout: 30000 });
  await screenshot(page, 'reopened');

  step('tracking by ticket and code, as from another phone');
  const other = await phone(browser);
  const stranger = await open(other, '#/lacak');
  await stranger.getByLabel('Nomor tiket').fill(ticket);
  await stranger.getByLabel('Kode lacak').fill('bukan-kodenya');
  await stranger.getByRole('button', { name: 'Lacak' }).click();
  await stranger.getByText('Pengaduan tidak ditemukan').waitFor();
  await screenshot(stranger, 'track-form');
  await accessible(stranger, 'track form');
  await other.close();

  step('the link in the citizen\'s SMS opens the complaint on this phone');
  await page.goto(`${process.env.SKK_URL}/lacak/${ticket}`);
  await page.getByRole('heading', { name: ticket }).waitFor();

  step('home lists the complaint; English switch');
  await page.goto(`${process.env.SKK_URL}/#/`);
  await page.locator('.cards').getByText(ticket).waitFor();
  await page.getByRole('button', { name: 'Bahasa: English' }).click();
  await page.getByRole('heading', { name: 'Report a problem in your city' }).waitFor();
  await screenshot(page, 'home-english');
  await accessible(page, 'home in English');
  console.log(`EXPECT_ONE ${ticket}`);
});
