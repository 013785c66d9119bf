// "Already reported nearby" on the form (docs/duplicates.md): a pothole already filed 10 m from
// the citizen is shown with its photo once they pick the category and their place, so they can
// judge it is theirs; another category shows nothing. The citizen files anyway, the officer
// merges theirs into the neighbour's, and their tracking page follows the neighbour's.

import {
  Officer, accessible, assert, eventually, jpeg, nearbyOffered, neighbourPothole, open, phone, run,
  screenshot, step,
} from '../support/browser.mjs';

await run(async (browser) => {
  const context = await phone(browser);  // GPS at -7.9779, 112.6235
  const page = await open(context);

  step('a neighbour filed the pothole 10 m away, with a photo');
  const photo = await jpeg(page, 1600, 1200);
  const uploaded = await context.request.post(`${process.env.SKK_URL}/api/v1/media`, {
    headers: { 'Content-Type': 'image/jpeg' }, data: photo.buffer,
  });
  assert.equal(uploaded.status(), 201, await uploaded.text());
  const { media_id: mediaId } = await uploaded.json();
  const ticket = await neighbourPothole(context,
    { key: 'neighbour-pothole-1', north: 10, mediaIds: [mediaId] });

  step('the citizen picks the category and their place: the neighbour\'s report is offered');
  const nearby = await nearbyOffered(page);
  const item = nearby.getByRole('listitem');
  assert.equal(await item.count(), 1);
  assert.match(await item.innerText(), new RegExp(`${ticket}`));
  assert.match(await item.innerText(), /± 10 m dari titik Anda/);
  assert.match(await item.innerText(), /Lubang besar di Jl\. Ijen/);
  const thumbnail = nearby.getByRole('img', { name: `Foto laporan ${ticket}` });
  await thumbnail.waitFor();
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumbnail.elementHandle());
  await nearby.scrollIntoViewIfNeeded();
  await screenshot(page, 'nearby-offered');
  await accessible(page, 'report form with a nearby report');

  step('another category: nothing of the pothole is offered');
  await page.getByLabel('Sampah').check();
  await page.waitForFunction(() => document.getElementById('nearby')?.hidden === true, null, { timeout: 15000 });
  await page.getByLabel('Jalan rusak').check();
  await nearby.waitFor({ timeout: 15000 });

  step('the citizen files anyway; the officer merges it into the neighbour\'s and answers that');
  await page.getByLabel('Ceritakan masalahnya').fill(
    'Ada lubang besar di Jl. Ijen dekat museum, bahaya untuk motor malam hari.');
  await page.getByLabel('Nama', { exact: true }).fill('Budi Hartono');
  await page.getByLabel('Nomor HP').fill('0812 3456 7001');
  await page.getByRole('button', { name: 'Kirim laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan diterima' }).waitFor({ timeout: 60000 });
  const mine = (await page.locator('#ticket').textContent()).trim();
  const officer = await new Officer().signIn();
  const theirs = await officer.caseOf(ticket);
  const ours = await officer.caseOf(mine);
  await officer.call('POST', `cases/${ours.complaint_id}/reject`, {
    reason: 'REJECT_REASON_DUPLICATE', duplicate_of_ticket: ticket });
  await officer.call('POST', `cases/${theirs.complaint_id}/claim`, {});
  await officer.call('POST', `cases/${theirs.complaint_id}/respond`, {
    message: 'Tim kami menambal lubang itu besok pagi.' });

  step('the citizen\'s tracking page follows the neighbour\'s complaint');
  await page.getByRole('link', { name: 'Lihat pengaduan' }).click();
  const merged = page.getByRole('region', { name: `Digabung dengan pengaduan ${ticket}` });
  await eventually('the merge and the answer', async () => {
    await page.reload();
    await page.locator('main h1').waitFor();
    return (await merged.count()) > 0
      && /menambal lubang itu besok pagi/.test(await merged.innerText());
  });
  assert.match(await merged.innerText(), /DPUPRPKP/);
  assert.match(await merged.innerText(), /Sedang ditangani/);
  await merged.scrollIntoViewIfNeeded();
  await screenshot(page, 'merged-followed');
  await accessible(page, 'a merged complaint following the one it joined');
});
