// The console's two heaviest screens in Chromium on an office PC, against the system
// bench/console_bench.cc loaded: the officer's queue with 200 open cases, and leadership's
// dashboard over 100,000 cases. Each is timed from the navigation until the screen holds its
// data (the queue's 200 rows; the dashboard's city line), BENCH_RUNS times (default 5), as a
// returning user whose browser cached the console's files. Prints "name value" lines.

import { assert, run, URL_BASE } from '../tests/support/browser.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 5);

// An office PC, on the real clock: a faked clock (the tests' desk()) fakes performance.now()
// and animation frames too, which are what this measures with.
const desk = (browser) => browser.newContext({
  viewport: { width: 1280, height: 800 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta',
});

async function signIn(context, username, password) {
  const answer = await context.request.post(`${URL_BASE}/api/v1/staff/session`, {
    data: { username, password },
  });
  assert.equal(answer.status(), 200, await answer.text());
}

// Milliseconds from the start of navigation (the page's own clock, so the browser opening a tab
// is not counted) to `count` elements matching `selector`, over BENCH_RUNS reloads of one tab
// (an officer's browser is open all day) after a first visit that fills the cache; with, for
// the median run, when the page's modules had run (DOMContentLoaded) and when the answer of
// the API call whose address contains `api` had arrived.
async function timed(context, address, selector, count, api) {
  const page = await context.newPage();
  await page.goto(`${URL_BASE}${address}`);
  await page.waitForSelector(selector);
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) {
    await page.reload();
    const at = await page.waitForFunction(
      ([s, n]) => document.querySelectorAll(s).length >= n && performance.now(), [selector, count],
      { timeout: 30000, polling: 'raf' });
    const ready = Math.round(await at.jsonValue());
    const marks = await page.evaluate((name) => ({
      modules: Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd),
      api: Math.round(performance.getEntriesByType('resource')
        .filter((e) => e.name.includes(name)).map((e) => e.responseEnd)[0] || 0),
    }), api);
    runs.push({ ready, ...marks });
  }
  await page.close();
  runs.sort((a, b) => a.ready - b.ready);
  const median = runs[Math.floor(runs.length / 2)];
  return { ...median, max: runs[runs.length - 1].ready };
}

function print(name, figures) {
  console.log(`${name}_median_ms ${figures.ready}`);
  console.log(`${name}_max_ms ${figures.max}`);
  console.log(`${name}_median_run_modules_loaded_ms ${figures.modules}`);
  console.log(`${name}_median_run_api_answered_ms ${figures.api}`);
}

await run(async (browser) => {
  const officer = await desk(browser);
  await signIn(officer, process.env.SKK_OFFICER_USER, process.env.SKK_OFFICER_PASSWORD);
  print('queue_200_cases_ready',
    await timed(officer, '/console/#/', 'main tbody tr', 200, '/api/v1/staff/queue'));

  const leader = await desk(browser);
  await signIn(leader, process.env.SKK_LEADER_USER, process.env.SKK_LEADER_PASSWORD);
  const period = new URLSearchParams({ from: process.env.SKK_FROM, to: process.env.SKK_TO });
  print('dashboard_ready',
    await timed(leader, `/console/#/dasbor?${period}`, 'tr[data-agency="city"]', 1,
      '/api/v1/staff/dashboard'));
});
