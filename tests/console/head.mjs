// The agency head's console: the level-1 escalation of a case nobody answered, acknowledged;
// the agency's cases readable but without an officer's actions.

import { accessible, assert, desk, run, screenshot, step, URL_BASE } from '../support/browser.mjs';

await run(async (browser) => {
  const ticket = process.env.SKK_TICKET;
  const context = await desk(browser);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  await page.goto(`${URL_BASE}/console/`);
  await page.getByLabel('Nama pengguna').fill(process.env.SKK_HEAD_USER);
  await page.getByLabel('Kata sandi', { exact: true }).fill(process.env.SKK_HEAD_PASSWORD);
  await page.getByRole('button', { name: 'Masuk' }).click();
  await page.getByRole('heading', { name: 'Antrean' }).waitFor();

  step('the case is in the queue, late, and its page offers no officer\'s action');
  const row = page.getByRole('row', { name: new RegExp(ticket) });
  await row.waitFor();
  assert.match(await row.textContent(), /terlambat/);
  await page.getByRole('link', { name: ticket }).click();
  await page.locator('table.history').waitFor();
  assert.equal(await page.getByRole('button', { name: /Ambil/ }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Tandai selesai' }).count(), 0);

  step('the escalation, acknowledged');
  await page.getByRole('link', { name: 'Eskalasi' }).click();
  await page.getByRole('heading', { name: 'Eskalasi' }).waitFor();
  const escalation = page.getByRole('row', { name: new RegExp(ticket) });
  await escalation.waitFor();
  await screenshot(page, 'escalations');
  await accessible(page, 'escalations');
  await escalation.getByRole('button', { name: 'Tandai diketahui' }).click();
  await escalation.getByText('Tuliskan tindak lanjutnya.').waitFor();  // sla needs what is done
  await escalation.getByLabel(/Tindak lanjut eskalasi/).fill('Tim tambal jalan dikirim besok pagi; kepala bidang memantau.');
  await escalation.getByRole('button', { name: 'Tandai diketahui' }).click();
  await escalation.getByText(/^Diketahui/).waitFor();
  await screenshot(page, 'escalation-acknowledged');
});
