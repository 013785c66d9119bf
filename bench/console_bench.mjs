// The console's two heaviest screens in Chromium on an office PC, against the system
// bench/console_bench.cc loaded: the officer's queue with 200 open cases, and leadership's
// dashboard over 100,000 cases. Each is timed from the navigation until the screen holds its
// data (the queue's 200 rows; the dashboard's city line), BENCH_RUNS times (default 5), as a
// returning user whose browser cached the console's files. Prints "name value" lines.

import { assert, desk, run, URL_BASE } from '../tests/support/browser.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 5);

async function signIn(context, username, password) {
  const answer = await context.request.post(`${URL_BASE}/api/v1/staff/session`, {
    data: { username, password },
  });
  assert.equal(answer.status(), 200, await answer.text());
}

// Milliseconds from the start of navigation (the page's own clock, so the browser opening a tab
// is not counted) to `ready` holding, each run on a fresh page.
async function timed(context, address, selector, count) {
  const times = [];
  for (let i = 0; i <= RUNS; i += 1) {
    const page = await context.newPage();
    await page.goto(`${URL_BASE}${address}`);
    const at = await page.waitForFunction(
      ([s, n]) => document.querySelectorAll(s).length >= n && performance.now(), [selector, count],
      { timeout: 30000, polling: 'raf' });
    const ms = Math.round(await at.jsonValue());
    if (i > 0) times.push(ms);  // the first run fills the cache
    await page.close();
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], max: times[times.length - 1] };
}

function print(name, figures) {
  console.log(`${name}_median_ms ${figures.median}`);
  console.log(`${name}_max_ms ${figures.max}`);
}

await run(async (browser) => {
  const officer = await desk(browser);
  await signIn(officer, process.env.SKK_OFFICER_USER, process.env.SKK_OFFICER_PASSWORD);
  print('queue_200_cases_ready', await timed(officer, '/console/#/', 'main tbody tr', 200));

  const leader = await desk(browser);
  await signIn(leader, process.env.SKK_LEADER_USER, process.env.SKK_LEADER_PASSWORD);
  const period = new URLSearchParams({ from: process.env.SKK_FROM, to: process.env.SKK_TO });
  print('dashboard_ready',
    await timed(leader, `/console/#/dasbor?${period}`, 'tr[data-agency="city"]', 1));
});
