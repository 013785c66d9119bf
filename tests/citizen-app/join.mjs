// Joining a complaint found nearby instead of filing one (docs/duplicates.md): the citizen
// sees the neighbour's pothole under "already reported nearby", follows it with one button and
// no words of their own, and their tracking page shows the neighbour's complaint and its
// answer from the start, with no officer's merge.

import {
  Officer, accessible, assert, eventually, nearbyOffered, neighbourPothole, open, phone, run,
  screenshot, step,
} from '../support/browser.mjs';

await run(async (browser) => {
  const context = await phone(browser);  // GPS at -7.9779, 112.6235
  const page = await open(context);

  step('a neighbour filed the pothole 15 m away');
  const ticket = await neighbourPothole(context, { key: 'neighbour-pothole-join', east: 15 });

  step('the citizen finds it and chooses to follow it');
  const nearby = await nearbyOffered(page);
  const follow = nearby.getByRole('button', { name: `Ikuti pengaduan ini ${ticket}` });
  const pressed = async (value) => page.waitForFunction(
    (v) => document.querySelector('button.follow')?.getAttribute('aria-pressed') === v, value);
  await follow.focus();
  await page.keyboard.press('Enter');
  await pressed('true');
  // Redrawn, the list keeps the keyboard where it was.
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.ticket), ticket);
  await page.getByText(`Anda akan mengikuti pengaduan ${ticket}`).waitFor();

  step('undone beside the note, chosen again: the send button says what will happen');
  await page.getByRole('button', { name: 'Batal mengikuti, laporkan sendiri' }).click();
  await pressed('false');
  assert.equal(await page.getByText(`Anda akan mengikuti pengaduan ${ticket}`).count(), 0);
  await follow.click();
  await pressed('true');
  const send = page.getByRole('button', { name: `Kirim dan ikuti ${ticket}` });
  await send.waitFor();

  step('no words needed: a phone number and send');
  await page.getByLabel('Nama', { exact: true }).fill('Budi Hartono');
  await page.getByLabel('Nomor HP').fill('0812 3456 7002');
  await send.scrollIntoViewIfNeeded();
  await screenshot(page, 'join-chosen');
  await accessible(page, 'report form with a complaint to join');
  await send.click();
  await page.getByRole('heading', { name: 'Laporan diterima' }).waitFor({ timeout: 60000 });
  const mine = (await page.locator('#ticket').textContent()).trim();
  assert.notEqual(mine, ticket);

  step('their page follows the neighbour\'s complaint, and its answer when it comes');
  const officer = await new Officer().signIn();
  const theirs = await officer.caseOf(ticket);
  await officer.call('POST', `cases/${theirs.complaint_id}/claim`, {});
  await officer.call('POST', `cases/${theirs.complaint_id}/respond`, {
    message: 'Tim kami menambal lubang itu besok pagi.' });
  await page.getByRole('link', { name: 'Lihat pengaduan' }).click();
  const followed = page.getByRole('region', { name: `Anda mengikuti pengaduan ${ticket}` });
  await eventually('the joined complaint and its answer', async () => {
    await page.reload();
    await page.locator('main h1').waitFor();
    return (await followed.count()) > 0
      && /menambal lubang itu besok pagi/.test(await followed.innerText());
  });
  assert.match(await page.locator('main').innerText(), /Digabung|Anda mengikuti pengaduan/);
  await followed.scrollIntoViewIfNeeded();
  await screenshot(page, 'joined-followed');
  await accessible(page, 'a joined complaint following the other');
});
