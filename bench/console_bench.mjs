// The console's two heaviest screens in Chromium on an office PC, against the system
// bench/console_bench.cc loaded: the officer's queue with 200 open cases, and leadership's
// dashboard over 100,000 cases. Each is timed from the navigation until the screen holds its
// data, laid out and painted (the queue's 200 rows; the dashboard's city line), BENCH_RUNS
// times (default 15), as a returning user whose browser cached the console's files. Prints
// "name value" lines.

import { assert, run, URL_BASE } from '../tests/support/browser.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 15);

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
// is not counted) until `count` elements matching `selector` are in the page and the frame that
// holds them has been laid out and painted, over BENCH_RUNS reloads of one tab (an officer's
// browser is open all day) after a first visit that fills the cache; with, for the median run,
// when the page's modules had run (DOMContentLoaded) and when the answer of the API call whose
// address contains `api` had arrived. The page times itself and says so on its console: polling
// it from here would put Playwright's own scripts on the page's main thread while it loads.
async function timed(context, address, selector, count, api) {
  const page = await context.newPage();
  await page.addInitScript(([s, n]) => {
    const watch = new MutationObserver(() => {
      if (document.querySelectorAll(s).length < n) return;
      watch.disconnect();
      // Run after the next frame's layout and paint: a task queued from an animation frame.
      requestAnimationFrame(() => setTimeout(() => console.debug(`skk-ready ${performance.now()}`)));
    });
    watch.observe(document, { subtree: true, childList: true });
  }, [selector, count]);
  const ready = () => page.waitForEvent('console',
    { predicate: (m) => m.text().startsWith('skk-ready '), timeout: 30000 })
    .then((m) => Math.round(Number(m.text().split(' ')[1])));
  let shown = ready();
  await page.goto(`${URL_BASE}${address}`);
  await shown;
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) {
    shown = ready();
    await page.reload({ waitUntil: 'commit' });
    const at = await shown;
    const marks = await page.evaluate((name) => ({
      modules: Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd),
      api: Math.round(performance.getEntriesByType('resource')
        .filter((e) => e.name.includes(name)).map((e) => e.responseEnd)[0] || 0),
    }), api);
    runs.push({ ready: at, ...marks });
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
