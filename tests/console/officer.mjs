// The humas officer's day in the console (docs/console.md): sign in, find the case in the queue,
// see its place on the map, claim it, start an answer from the agency's template, ask the citizen
// for information; the citizen answers through the API; resolve with
// a proof photo uploaded from the browser; a second report merged as the same hole is brought
// back with "Batalkan penggabungan". The reporter's name and phone appear on no screen.
// An officer of another agency, created by the administrator and forced to choose a password at
// the first sign-in, is refused the case's page.

import { accessible, assert, desk, eventually, jpeg, Officer, run, screenshot, step, URL_BASE } from '../support/browser.mjs';

async function submit(body) {
  const response = await fetch(`${URL_BASE}/api/v1/complaints`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `console-test-${Date.now()}` },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

async function signIn(page, username, password) {
  await page.goto(`${URL_BASE}/console/`);
  await page.getByRole('heading', { name: 'Masuk konsol' }).waitFor();
  await page.getByLabel('Nama pengguna').fill(username);
  await page.getByLabel('Kata sandi', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Masuk' }).click();
}

function noPersonalData(html, where) {
  for (const secret of ['Rahmat Hidayat', '081377778888', '6281377778888', '7778888']) {
    assert.ok(!html.includes(secret), `${where} shows the reporter's ${secret}`);
  }
}

await run(async (browser) => {
  step('a citizen reports, with name and phone');
  const accepted = await submit({
    category: 'jalan-rusak', description: 'Aspal ambles di depan Pasar Oro-oro Dowo, dalam sekitar 20 cm.',
    location: { latitude: -7.9705, longitude: 112.6291 },
    reporter: { name: 'Rahmat Hidayat', phone: '081377778888' }, channel: 'CHANNEL_APP',
  });
  const ticket = accepted.ticket;

  step('the officer signs in and finds it in the queue');
  const context = await desk(browser);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  await page.goto(`${URL_BASE}/console/`);
  await page.getByRole('heading', { name: 'Masuk konsol' }).waitFor();
  await screenshot(page, 'sign-in');
  await accessible(page, 'sign-in');
  await signIn(page, process.env.SKK_OFFICER_USER, process.env.SKK_OFFICER_PASSWORD);
  await page.getByRole('heading', { name: 'Antrean' }).waitFor();
  await eventually('the case in the queue', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Antrean' }).waitFor();
    return page.getByRole('link', { name: ticket }).isVisible();
  });
  await page.keyboard.press('/');
  await page.keyboard.type(ticket);
  assert.match(await page.locator('.count').textContent(), /^1 dari \d+ kasus$/);
  await screenshot(page, 'queue');
  await accessible(page, 'queue');
  noPersonalData(await page.content(), 'the queue');

  step('claim; the place on the map; an answer started from the agency\'s template; then ask the citizen');
  await page.getByRole('link', { name: ticket }).click();
  await page.locator('.case-map.leaflet-container .pin').waitFor();
  assert.equal(await page.getByRole('region', { name: `Peta: tempat laporan ${ticket}` }).count(), 1);
  await page.getByRole('button', { name: 'Ambil kasus ini' }).click();
  const template = page.getByLabel('Mulai dari templat jawaban');
  await template.waitFor();
  await template.selectOption({ label: 'Dijadwalkan perbaikan' });
  assert.match(await page.getByLabel('Jawaban dinas (dibaca warga)').inputValue(), /^Terima kasih atas laporan/);
  await page.getByLabel('Jawaban dinas (dibaca warga)').fill('');
  await page.getByLabel('Pertanyaan untuk warga').fill('Mohon kirim foto dari arah pasar, dan sejak kapan amblesnya?');
  await page.getByRole('button', { name: 'Kirim pertanyaan' }).click();
  await page.getByText('Menunggu warga').first().waitFor();
  const caseUrl = page.url();
  await screenshot(page, 'case-waiting');
  await accessible(page, 'case');
  noPersonalData(await page.content(), 'the case page');

  step('the citizen answers through the API');
  const answered = await fetch(`${URL_BASE}/api/v1/complaints/${ticket}/info`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Tracking-Token': accepted.tracking_token },
    body: JSON.stringify({ text: 'Sejak hujan deras hari Sabtu. Fotonya menyusul.' }),
  });
  assert.equal(answered.status, 200, await answered.clone().text());

  step('the officer sees the answer and resolves with a proof photo');
  await eventually('the citizen\'s answer in the audit trail', async () => {
    await page.reload();
    await page.locator('h1').waitFor();
    return (await page.locator('table.history').textContent()).includes('Warga menjawab');
  });
  await page.getByLabel('Catatan penyelesaian (dibaca warga)').fill('Sudah ditambal dan dipadatkan, 9 Maret.');
  await page.getByLabel('Foto bukti').setInputFiles([await jpeg(page, 1600, 1200)]);
  await page.getByRole('button', { name: 'Tandai selesai' }).click();
  await page.locator('.facts').getByText('Selesai').waitFor();
  const resolved = await new Officer().signIn();
  const kase = await resolved.call('GET', `cases/${caseUrl.split('/').pop()}`);
  assert.equal(kase.state, 'CASE_STATE_RESOLVED');
  await screenshot(page, 'case-resolved');

  step('a second report merged as the same hole, then found to be another: the officer undoes the merge');
  const repeated = await submit({
    category: 'jalan-rusak', description: 'Jalan ambles dekat Pasar Oro-oro Dowo, sisi utara.',
    location: { latitude: -7.9702, longitude: 112.6291 }, reporter: { anonymous: true }, channel: 'CHANNEL_APP',
  });
  const merged = await resolved.caseOf(repeated.ticket);
  await resolved.call('POST', `cases/${merged.complaint_id}/reject`,
    { reason: 'REJECT_REASON_DUPLICATE', duplicate_of_ticket: ticket });
  await page.goto(`${URL_BASE}/console/#/kasus/${merged.complaint_id}`);
  await page.getByRole('heading', { name: 'Batalkan penggabungan' }).waitFor();
  await page.getByLabel('Mengapa bukan masalah yang sama (dibaca warga)').fill('Lubang lain, 30 m ke utara dari laporan pertama.');
  await screenshot(page, 'case-merged');
  await accessible(page, 'merged case');
  await page.getByRole('button', { name: 'Kembalikan ke antrean' }).click();
  await page.locator('.facts').getByText('Dibuka kembali').waitFor();
  assert.match(await page.locator('table.history').textContent(), /Penggabungan dibatalkan/);
  assert.equal((await resolved.call('GET', `cases/${merged.complaint_id}`)).state, 'CASE_STATE_REOPENED');
  await screenshot(page, 'case-unmerged');

  step('an officer of another agency: created by the administrator, a new password at the first sign-in');
  const admin = await new Officer().signIn('admin', process.env.SKK_ADMIN_PASSWORD);
  const issued = await admin.call('POST', 'accounts', {
    username: 'sari.dlh', name: 'Sari Wulandari', role: 'officer', agency_code: 'dlh' });
  const other = await desk(browser);
  const second = await other.newPage();
  await signIn(second, 'sari.dlh', issued.temporary_password);
  await second.getByRole('heading', { name: 'Kata sandi baru' }).waitFor();
  await screenshot(second, 'first-sign-in');
  await accessible(second, 'new password');
  await second.getByLabel('Kata sandi sementara').fill(issued.temporary_password);
  await second.getByLabel('Kata sandi baru', { exact: true }).fill('taman-kota-bersih-2026');
  await second.getByLabel('Ulangi kata sandi baru').fill('taman-kota-bersih-2026');
  await second.getByRole('button', { name: 'Simpan kata sandi' }).click();
  await second.getByRole('heading', { name: 'Antrean' }).waitFor();
  assert.equal(await second.getByRole('link', { name: ticket }).count(), 0, 'not in DLH\'s queue');

  step('the DPUPRPKP case\'s address, opened by DLH\'s officer: refused');
  await second.goto(caseUrl.replace(/^http:\/\/[^/]+/, URL_BASE));
  await second.locator('.refused').waitFor();
  assert.match(await second.locator('.refused').textContent(), /bukan wewenang dinas Anda|tidak berwenang/);
  noPersonalData(await second.content(), 'the refusal');
  assert.ok(!(await second.content()).includes('Aspal ambles'), 'the refusal shows nothing of the case');
  await screenshot(second, 'refused-other-agency');
  console.log(`EXPECT_ONE ${ticket}`);
});
