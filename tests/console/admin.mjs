// The administrator's console (docs/console.md): staff accounts, notification recipients,
// partner API keys, parked events and routing's configuration, every screen by keyboard-usable
// forms and scanned by axe. The account the administrator creates is real: its officer signs in
// with the temporary password shown once, must choose a password, and then works the queue.

import { accessible, assert, desk, run, screenshot, step, URL_BASE } from '../support/browser.mjs';

async function signIn(page, username, password) {
  await page.goto(`${URL_BASE}/console/`);
  await page.getByRole('heading', { name: 'Masuk konsol' }).waitFor();
  await page.getByLabel('Nama pengguna').fill(username);
  await page.getByLabel('Kata sandi', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Masuk' }).click();
}

const row = (page, attribute, value) => page.locator(`tr[${attribute}="${value}"]`);

// The harness starts a new city each run; against a developer's running system, SKK_TAG keeps the
// names new ("-2", "-3", ...).
const tag = process.env.SKK_TAG || '';
const RINA = `rina.dishub${tag}`;
const TONO = `tono.dlh${tag}`;
const KEY = `SIM Dishub${tag}`;

await run(async (browser) => {
  const context = await desk(browser);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));

  step('the administrator signs in and lands on the accounts');
  await signIn(page, 'admin', process.env.SKK_ADMIN_PASSWORD);
  await page.getByRole('heading', { name: 'Akun petugas' }).waitFor();
  await row(page, 'data-username', process.env.SKK_OFFICER_USER).waitFor();
  await screenshot(page, 'accounts');
  await accessible(page, 'accounts');

  step('a username the gateway refuses: the reason next to the field');
  await page.getByLabel('Nama pengguna').fill('Rina Dishub');
  await page.getByLabel('Nama lengkap').fill('Rina Kartika');
  await page.getByRole('button', { name: 'Buat akun' }).click();
  await page.locator('#new-username-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.getByLabel('Nama pengguna').getAttribute('aria-invalid'), 'true');

  step('Dishub\'s new officer: the temporary password is shown once, with the note to hand it over');
  await page.getByLabel('Nama pengguna').fill(RINA);
  await page.getByLabel('Nama lengkap').fill('Rina Kartika');
  await page.getByLabel('Peran').selectOption('officer');
  await page.getByLabel('Dinas').selectOption('dishub');
  await page.getByRole('button', { name: 'Buat akun' }).click();
  const secret = page.locator('.secret-value');
  await secret.waitFor();
  const temporary = (await secret.textContent()).trim();
  assert.ok(temporary.length >= 12, `a temporary password: ${temporary}`);
  assert.match(await page.locator('.secret').textContent(), /Serahkan/);
  const rina = row(page, 'data-username', RINA);
  await rina.waitFor();
  assert.match(await rina.textContent(), /Petugas humas.*Dishub.*Aktif.*Ya/);
  await screenshot(page, 'account-created');
  await accessible(page, 'account created');

  step('another account: reset its password, disable, enable, a new role');
  await page.getByLabel('Nama pengguna').fill(TONO);
  await page.getByLabel('Nama lengkap').fill('Tono Prasetyo');
  await page.getByLabel('Peran').selectOption('officer');
  await page.getByLabel('Dinas').selectOption('dlh');
  await page.getByRole('button', { name: 'Buat akun' }).click();
  const tono = row(page, 'data-username', TONO);
  await tono.waitFor();
  const first = (await secret.textContent()).trim();
  await tono.getByRole('button', { name: /Atur ulang sandi/ }).click();
  const confirm = page.getByRole('dialog');
  await confirm.getByRole('heading', { name: new RegExp(`Atur ulang kata sandi ${TONO}`) }).waitFor();
  await screenshot(page, 'confirm-reset');
  await accessible(page, 'confirm reset');
  await confirm.getByRole('button', { name: 'Atur ulang' }).click();
  await page.getByRole('heading', { name: new RegExp(`Kata sandi ${TONO} diatur ulang`) }).waitFor();
  assert.notEqual((await secret.textContent()).trim(), first, 'a new temporary password');
  await tono.getByRole('button', { name: /Nonaktifkan/ }).click();
  await confirm.getByRole('button', { name: 'Nonaktifkan' }).click();
  await tono.getByText('Nonaktif', { exact: true }).waitFor();
  await tono.getByRole('button', { name: /Aktifkan/ }).click();
  await tono.getByText('Aktif', { exact: true }).waitFor();
  await tono.getByRole('button', { name: /Ubah peran/ }).click();
  await page.getByRole('dialog').getByLabel('Peran').selectOption('agency_head');
  await page.getByRole('dialog').getByLabel('Dinas').selectOption('dlh');
  await screenshot(page, 'change-role');
  await accessible(page, 'change role');
  await page.getByRole('dialog').getByRole('button', { name: 'Simpan' }).click();
  await tono.getByText('Kepala dinas').waitFor();

  step('a notification recipient: added (quiet hours without an end refused next to the field), then changed');
  await page.getByRole('link', { name: 'Penerima' }).click();
  await page.getByRole('heading', { name: 'Penerima notifikasi' }).waitFor();
  await page.locator('tr[data-recipient]').first().waitFor();
  await page.getByLabel('ID', { exact: true }).fill(`officer:${RINA}`);
  await page.getByLabel('Peran').selectOption('humas');
  await page.getByLabel(/^Dinas/).selectOption('dishub');
  await page.getByLabel('Nama', { exact: true }).fill('Rina Kartika');
  await page.getByLabel('Alamat email').fill('rina.kartika@malangkota.go.id');
  await page.getByLabel('Akun konsol (untuk kotak masuk)').fill(RINA);
  await page.getByRole('checkbox', { name: 'Email', exact: true }).check();
  await page.getByLabel('Jam tenang mulai').fill('21:00');
  await page.getByRole('button', { name: 'Simpan penerima' }).click();
  await page.locator('#r-quiet-end-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.getByLabel('Jam tenang selesai').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Jam tenang selesai').fill('06:00');
  await page.getByRole('button', { name: 'Simpan penerima' }).click();
  const recipient = row(page, 'data-recipient', `officer:${RINA}`);
  await recipient.waitFor();
  assert.match(await recipient.textContent(), /Humas dinas.*Dishub.*Rina Kartika.*rina.kartika@malangkota.go.id.*konsol → email.*21:00–06:00/);
  await recipient.getByRole('button', { name: /Ubah/ }).click();
  await page.getByRole('heading', { name: `Ubah penerima officer:${RINA}` }).waitFor();
  assert.equal(await page.getByLabel('Jam tenang mulai').inputValue(), '21:00');
  await page.getByLabel('Nama', { exact: true }).fill('Rina Kartika, S.Kom.');
  await page.getByRole('button', { name: 'Simpan penerima' }).click();
  await recipient.getByText('Rina Kartika, S.Kom.').waitFor();
  await page.getByLabel('Saring daftar').fill(`officer:${RINA}`);
  assert.match(await page.locator('.count').textContent(), /^1 dari \d+ penerima$/);
  await screenshot(page, 'recipients');
  await accessible(page, 'recipients');

  step('a partner API key: issued (shown once), then revoked');
  await page.getByRole('link', { name: 'Kunci API' }).click();
  await page.getByRole('heading', { name: 'Kunci API mitra' }).waitFor();
  await page.getByLabel('Pemegang kunci').fill(KEY);
  await page.getByLabel('Keperluan').selectOption('staff');
  await page.getByLabel('Peran').selectOption('officer');
  await page.getByLabel('Dinas').selectOption('dishub');
  await page.getByRole('button', { name: 'Terbitkan kunci' }).click();
  await secret.waitFor();
  assert.ok((await secret.textContent()).trim().length >= 20, 'the key, once');
  const key = page.locator('tr[data-key]').filter({ hasText: KEY });
  await key.waitFor();
  await screenshot(page, 'api-key-issued');
  await accessible(page, 'api keys');
  await key.getByRole('button', { name: /Cabut/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cabut kunci' }).click();
  await key.getByText(/^Dicabut/).waitFor();

  step('parked events and dead letters: every service\'s list; routing\'s poison event replayed after the question');
  await page.getByRole('link', { name: 'Tertunda' }).click();
  await page.getByRole('heading', { level: 1, name: 'Event tertunda' }).waitFor();
  for (const service of ['intake', 'routing', 'sla', 'notification', 'dead-letters']) {
    const said = page.locator(`section[data-service="${service}"] .said`);
    await said.filter({ hasText: /tertahan/ }).waitFor();
  }
  const poison = process.env.SKK_PARKED_EVENT;
  if (poison) {
    const routing = page.locator('section[data-service="routing"]');
    const event = routing.locator(`tr[data-event="${poison}"]`);
    await event.waitFor();
    assert.match(await event.textContent(), /complaint\.submitted/);
    await screenshot(page, 'parked');
    await accessible(page, 'parked');
    await routing.getByRole('button', { name: /Putar ulang semua/ }).click();
    await page.getByRole('dialog').getByRole('heading', { name: /Putar ulang semua/ }).waitFor();
    await accessible(page, 'confirm replay');
    await page.getByRole('dialog').getByRole('button', { name: 'Ya, putar ulang' }).click();
    await routing.locator('.said').filter({ hasText: /^1 diputar ulang\./ }).waitFor();
  } else {
    await screenshot(page, 'parked');
    await accessible(page, 'parked');
  }

  step('routing reloads its configuration and says what is in force');
  await page.getByRole('link', { name: 'Routing' }).click();
  await page.getByRole('button', { name: 'Muat ulang konfigurasi routing' }).click();
  const summary = page.locator('[data-summary]');
  await summary.waitFor();
  assert.match(await summary.textContent(), /\d/);
  await screenshot(page, 'routing-reloaded');
  await accessible(page, 'routing');

  step('the new officer signs in with the temporary password, must choose one, then sees the queue');
  const other = await desk(browser);
  const officer = await other.newPage();
  officer.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  await signIn(officer, RINA, temporary);
  await officer.getByRole('heading', { name: 'Kata sandi baru' }).waitFor();
  await officer.getByLabel('Kata sandi sementara').fill(temporary);
  await officer.getByLabel('Kata sandi baru', { exact: true }).fill('lampu-lalu-lintas-2026');
  await officer.getByLabel('Ulangi kata sandi baru').fill('lampu-lalu-lintas-2026');
  await officer.getByRole('button', { name: 'Simpan kata sandi' }).click();
  await officer.getByRole('heading', { name: 'Antrean' }).waitFor();
  await officer.locator('.count').filter({ hasText: /kasus$/ }).waitFor();
  assert.match(await officer.locator('#who').textContent(), /Rina Kartika · Petugas humas · DISHUB/);
  await screenshot(officer, 'new-officer-queue');

  step('the accounts list says she has her own password now');
  await page.getByRole('link', { name: 'Akun petugas' }).click();
  await row(page, 'data-username', RINA).waitFor();
  assert.match(await row(page, 'data-username', RINA).textContent(), /Aktif\s*Tidak/);
  console.log(`EXPECT_ACCOUNT ${RINA}`);
});
