// The holiday calendar in the administrator's console (docs/console.md, docs/sla-rules.md):
// the calendar in force by year with its source; the SKB's correction typed as lines, a
// mistake named by its line with nothing changed, a check that says which running deadline
// would move, then the change applied after a question; every step by keyboard-usable forms
// and scanned by axe.

import { accessible, assert, desk, run, screenshot, step, URL_BASE } from '../support/browser.mjs';

const ticket = process.env.SKK_TICKET;

await run(async (browser) => {
  const context = await desk(browser);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));

  step('the administrator opens the holiday calendar: the configuration file\'s, by year');
  await page.goto(`${URL_BASE}/console/`);
  await page.getByLabel('Nama pengguna').fill('admin');
  await page.getByLabel('Kata sandi', { exact: true }).fill(process.env.SKK_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Masuk' }).click();
  await page.getByRole('heading', { name: 'Akun petugas' }).waitFor();
  await page.getByRole('link', { name: 'Kalender libur' }).click();
  await page.getByRole('heading', { name: 'Kalender libur', level: 1 }).waitFor();
  assert.match(await page.locator('main').innerText(), /Berkas konfigurasi kota/);
  const year2026 = page.locator('details', { has: page.locator('summary', { hasText: 'Tahun 2026' }) });
  await year2026.evaluate((d) => { d.open = true; });
  assert.match(await year2026.innerText(), /Tahun Baru Imlek 2577 Kongzili/);
  assert.match(await year2026.innerText(), /Cuti bersama/);
  await screenshot(page, 'calendar-in-force');
  await accessible(page, 'holiday calendar');

  step('a line that is not a date and a name is named by its number; nothing is sent');
  const list = page.getByLabel('Daftar hari libur dan cuti bersama');
  const original = await list.inputValue();
  await list.fill(`${original}\n4 Maret libur daerah`);
  await page.getByLabel('Dasar hukum (SKB)').fill('Keputusan Wali Kota Malang No. 188.45/2026 (uji)');
  await page.getByRole('button', { name: 'Periksa dulu' }).click();
  const lines = original.split('\n').length;
  await page.getByText(`Baris ${lines + 1} tidak berbentuk`).waitFor();
  assert.equal(await list.getAttribute('aria-invalid'), 'true');

  step('a date sla refuses (30 February) is named by its line too, and nothing changes');
  await list.fill(`${original}\n2026-02-30 Hari yang tidak ada`);
  await page.getByRole('button', { name: 'Periksa dulu' }).click();
  await page.getByText(new RegExp(`Baris ${lines + 1}: .*2026-02-30`)).waitFor();
  await page.getByText('Kalender tidak diterima').waitFor();

  step('a local holiday on Wednesday 4 March: the check says the running deadline moves');
  await list.fill(`${original}\n2026-03-04 Libur daerah (uji)`);
  const apply = page.getByRole('button', { name: 'Terapkan kalender ini' });
  assert.ok(await apply.isDisabled(), 'nothing to apply before a check');
  await page.getByRole('button', { name: 'Periksa dulu' }).click();
  const moved = page.locator('[data-moved]');
  await moved.waitFor();
  assert.equal(await moved.getAttribute('data-moved'), '1');
  await page.locator(`tr[data-ticket="${ticket}"]`).waitFor();
  await screenshot(page, 'calendar-checked');
  await accessible(page, 'holiday calendar checked');

  step('applied after the question: the new calendar and its decree are in force');
  await apply.click();
  await page.getByRole('button', { name: 'Ya, terapkan' }).click();
  await page.getByText('Berlaku sekarang.').waitFor();
  assert.match(await page.locator('[data-decree]').textContent(), /188\.45\/2026/);
  assert.match(await page.locator('main').innerText(), /oleh \S*admin/);
  await screenshot(page, 'calendar-applied');
  await accessible(page, 'holiday calendar applied');
});
