// The public page (/publik/, docs/console.md), without signing in: per agency and category how
// many complaints came and how many were answered in time, and a map of the complaints being
// handled. A citizen reports with a name and a phone, another confidentially: the category's
// count shows the first, but neither the name nor the phone appears in the page or in any
// answer the page fetched, and nothing of the confidential complaint does either.

import { accessible, assert, desk, eventually, phone, run, screenshot, step, URL_BASE } from '../support/browser.mjs';

const SECRETS = ['Sulastri Wahyuningsih', '081355557777', '6281355557777', '55557777'];
const CONFIDENTIAL = 'Rahasia: pungutan liar di loket kelurahan oleh oknum petugas.';

async function submit(body, key) {
  const response = await fetch(`${URL_BASE}/api/v1/complaints`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `public-test-${key}-${Date.now()}` },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

// What the page's first period (the last 30 days) counts for `category`, from the API itself.
async function received(category) {
  const now = Date.parse(process.env.SKK_NOW);
  const query = `from=${encodeURIComponent(new Date(now - 31 * 86400000).toISOString())}&to=${encodeURIComponent(new Date(now + 86400000).toISOString())}`;
  const answer = await (await fetch(`${URL_BASE}/api/v1/public/stats?${query}`)).json();
  return (answer.rows || []).filter((r) => r.category === category).reduce((n, r) => n + Number(r.received || 0), 0);
}

function nothingPersonal(text, where) {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} holds the reporter's ${secret}`);
  assert.ok(!text.includes(CONFIDENTIAL), `${where} holds the confidential complaint`);
}

await run(async (browser) => {
  step('a citizen reports a fallen tree with name and phone; another reports confidentially');
  const before = await received('pohon-tumbang');
  await submit({
    category: 'pohon-tumbang', description: 'Pohon angsana tumbang menutup separuh Jalan Ijen, dahan masih menggantung.',
    location: { latitude: -7.9712, longitude: 112.6205 },
    reporter: { name: 'Sulastri Wahyuningsih', phone: '081355557777' }, channel: 'CHANNEL_APP',
  }, 'named');
  await submit({
    category: 'ketertiban-umum', description: CONFIDENTIAL, location: { latitude: -7.9801, longitude: 112.6312 },
    reporter: { name: 'Sulastri Wahyuningsih', phone: '081355557777' }, channel: 'CHANNEL_APP', confidential: true,
  }, 'confidential');
  await eventually('the fallen tree counted in the public statistics', async () => (await received('pohon-tumbang')) === before + 1);

  step('the public page, without signing in: the count, every answer it fetched free of the reporter');
  const context = await desk(browser);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  const answers = [];
  page.on('response', (r) => { if (r.url().includes('/api/')) answers.push(r.text().then((body) => ({ url: r.url(), body }), () => null)); });
  await page.goto(`${URL_BASE}/publik/`);
  await page.getByRole('heading', { level: 1, name: /Pengaduan warga/ }).waitFor();
  const count = page.locator('tr[data-category="pohon-tumbang"] [data-figure="received"]');
  await count.waitFor();
  assert.equal(Number(await count.getAttribute('data-value')), before + 1);
  await page.locator('.map path.leaflet-interactive').first().waitFor();
  await screenshot(page, 'public');
  await accessible(page, 'public page');

  step('a dot on the map: category, state and date only');
  const dots = page.locator('.map path.leaflet-interactive');
  assert.ok(await dots.count() >= 1, 'the open complaint on the map');
  // Dots may overlap: the fallen tree's own is clicked as a mouse would, whatever lies on it.
  await page.locator('.map path[data-category="pohon-tumbang"]').first().dispatchEvent('click');
  const popup = page.locator('.leaflet-popup-content');
  await popup.waitFor();
  await page.waitForTimeout(300);  // the popup's fade, for the screenshot
  const said = await popup.textContent();
  assert.match(said, /Pohon tumbang/);
  assert.match(said, /Status: /);
  assert.match(said, /Masuk: /);
  assert.ok(!said.includes('angsana'), 'no words of the complaint in the popup');
  await screenshot(page, 'public-popup');
  await accessible(page, 'public page with a popup');

  step('another period, by keyboard');
  const heading = page.locator('#stats-h');
  const thirty = await heading.textContent();
  await page.getByRole('radio', { name: '30 hari' }).focus();
  await page.keyboard.press('ArrowRight');
  await eventually('the 90 days\' heading', async () => (await heading.textContent()) !== thirty);
  assert.ok(await page.getByRole('radio', { name: '90 hari' }).isChecked());
  await eventually('the 90 days counted', async () => Number(await count.getAttribute('data-value').catch(() => 0)) >= before + 1);

  const html = await page.content();
  nothingPersonal(html, 'the public page');
  assert.ok(!html.includes('angsana'), 'the page shows no complaint\'s words');
  const fetched = (await Promise.all(answers)).filter(Boolean);
  assert.ok(fetched.some((a) => a.url.includes('/api/v1/public/stats')), 'the statistics were fetched');
  assert.ok(fetched.some((a) => a.url.includes('/api/v1/public/complaints')), 'the complaints were fetched');
  for (const a of fetched) nothingPersonal(a.body, a.url);

  step('on a phone, and reached from the console\'s sign-in and the citizens\' app');
  const mobile = await phone(browser);
  const small = await mobile.newPage();
  await small.goto(`${URL_BASE}/publik/`);
  await small.locator('tr.category[data-category="pohon-tumbang"]').waitFor();
  await screenshot(small, 'public-phone');
  nothingPersonal(await small.content(), 'the public page on a phone');
  await page.goto(`${URL_BASE}/console/`);
  await page.getByRole('link', { name: 'statistik pengaduan kota' }).click();
  await page.waitForURL(/\/publik\/$/);
  await small.goto(`${URL_BASE}/`);
  await small.getByRole('link', { name: 'Statistik pengaduan kota' }).click();
  await small.waitForURL(/\/publik\/$/);
});
