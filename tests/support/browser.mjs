// What the browser tests of the web apps share (tests/citizen-app, tests/console): Debian's
// Chromium driven by playwright-core, as a phone or as an office PC; an officer speaking the
// staff API; photos made by the browser itself; an axe-core scan; screenshots kept in the
// test's output.
//
// The C++ harness (tests/support/browser_run.h) starts the real services and the gateway, then
// runs one script with SKK_URL, SKK_NOW (the services' business clock), SKK_OFFICER_USER and
// SKK_OFFICER_PASSWORD, SKK_ADMIN_PASSWORD (user "admin"), SKK_ARTIFACTS and SKK_NODE_MODULES in
// the environment.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const require = createRequire(path.join(process.env.SKK_NODE_MODULES, 'noop.js'));
const { chromium } = require('playwright-core');
const { default: AxeBuilder } = require('@axe-core/playwright');

export let URL_BASE = process.env.SKK_URL;
export const ARTIFACTS = process.env.SKK_ARTIFACTS;
fs.mkdirSync(ARTIFACTS, { recursive: true });

export { assert };

export function step(text) {
  console.log(`step: ${text}`);
}

// Chromium as this machine runs it: no sandbox as root, nothing that calls home, and shared
// memory in /tmp rather than /dev/shm, which a CI container may size at 64 MB: two browsers at
// once there crash a renderer, and a test then waits for a page that is gone.
export async function phoneBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.SKK_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

// Every page of the context says what went wrong in it: its script errors, a renderer that
// crashed, a request that got no answer (printed with the test's output when it fails).
function watch(context) {
  context.on('page', (page) => {
    page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.log(`console: ${m.text()}`); });
    page.on('crash', () => console.log(`page crashed: ${page.url()}`));
    page.on('requestfailed', (r) => console.log(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  });
}

// A 360x640 Android phone with touch, in Malang, with the services' clock.
export async function phone(browser, extra = {}) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'id-ID', timezoneId: 'Asia/Jakarta',
    geolocation: { latitude: -7.9779, longitude: 112.6235, accuracy: 20 },
    permissions: ['geolocation'],
    ...extra,
  });
  await context.clock.install({ time: new Date(process.env.SKK_NOW) });
  watch(context);
  return context;
}

// An office PC: the console's screen.
export async function desk(browser) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta',
  });
  await context.clock.install({ time: new Date(process.env.SKK_NOW) });
  watch(context);
  return context;
}

export async function open(context, hash = '#/') {
  const page = await context.newPage();
  await page.goto(`${URL_BASE}/${hash}`);
  await page.locator('main h1').first().waitFor();
  return page;
}

let shot = 0;
export async function screenshot(page, name) {
  shot += 1;
  // At the page's own scale (not the phone's 2x): small enough to keep, sharp enough to read.
  const file = path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true, scale: 'css' });
  return file;
}

// No serious or critical WCAG 2.1 A/AA violation on the screen as it is now.
export async function accessible(page, name) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .exclude('.leaflet-control-container')
    .analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) {
    console.log(`axe ${name}: ${v.impact} ${v.id}: ${v.help}`);
    for (const n of v.nodes.slice(0, 5)) console.log(`   ${n.target.join(' ')}: ${n.failureSummary}`);
  }
  assert.equal(bad.length, 0, `${name}: ${bad.length} serious or critical accessibility violations`);
}

// A JPEG the browser draws, as a phone's camera would give: width x height, some shapes so it
// is not a flat colour that compresses to nothing.
export async function jpeg(page, width, height, seed = Math.floor(Math.random() * 1e6)) {
  const base64 = await page.evaluate(async ({ width, height, seed }) => {
    const canvas = new OffscreenCanvas(width, height);
    const g = canvas.getContext('2d');
    g.fillStyle = '#6b6b6b';
    g.fillRect(0, 0, width, height);
    let x = seed * 9301 + 49297;
    const rnd = () => { x = (x * 9301 + 49297) % 233280; return x / 233280; };
    for (let i = 0; i < 400; i += 1) {
      g.fillStyle = `hsl(${Math.floor(rnd() * 360)} 40% ${Math.floor(20 + rnd() * 60)}%)`;
      g.fillRect(rnd() * width, rnd() * height, rnd() * width / 6, rnd() * height / 6);
    }
    // Sensor noise, as in a real photo: without it a JPEG of flat shapes is a few KB.
    const tile = new ImageData(256, 256);
    for (let i = 0; i < tile.data.length; i += 4) {
      const v = Math.floor(rnd() * 255);
      tile.data[i] = v; tile.data[i + 1] = (v * 7) % 255; tile.data[i + 2] = (v * 13) % 255; tile.data[i + 3] = 90;
    }
    const noise = new OffscreenCanvas(256, 256);
    noise.getContext('2d').putImageData(tile, 0, 0);
    g.globalAlpha = 0.35;
    g.fillStyle = g.createPattern(noise, 'repeat');
    g.fillRect(0, 0, width, height);
    g.globalAlpha = 1;
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, { width, height, seed });
  return { name: `IMG_${seed}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(base64, 'base64') };
}

// A neighbour's pothole report on Jl. Ijen, `north` and `east` metres from the phone's GPS
// point (phone()), filed through the citizens' API; its ticket.
export async function neighbourPothole(context, { key, north = 0, east = 0, mediaIds = [] }) {
  const filed = await context.request.post(`${URL_BASE}/api/v1/complaints`, {
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
    data: {
      category: 'jalan-rusak',
      description: 'Lubang besar di Jl. Ijen dekat museum, sudah tiga motor jatuh.',
      location: { latitude: -7.9779 + north / 111195, longitude: 112.6235 + east / 110250 },
      media_ids: mediaIds,
      reporter: { anonymous: true },
      channel: 'CHANNEL_APP',
    },
  });
  assert.equal(filed.status(), 201, await filed.text());
  return (await filed.json()).ticket;
}

// The report form with "Jalan rusak" and the GPS point chosen, once "already reported nearby"
// shows; its region.
export async function nearbyOffered(page) {
  await page.getByRole('link', { name: 'Buat laporan' }).click();
  await page.getByRole('heading', { name: 'Laporan baru' }).waitFor();
  await page.getByLabel('Jalan rusak').check();
  await page.getByRole('button', { name: 'Pakai lokasi saya' }).click();
  await page.getByText('Lokasi ditemukan').waitFor();
  const nearby = page.getByRole('region', { name: 'Sudah dilaporkan di dekat sini' });
  await nearby.waitFor({ timeout: 15000 });
  return nearby;
}

// The humas officer, through the staff API as the console speaks it.
export class Officer {
  async signIn(username = process.env.SKK_OFFICER_USER, password = process.env.SKK_OFFICER_PASSWORD) {
    const response = await fetch(`${URL_BASE}/api/v1/staff/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    this.cookie = response.headers.getSetCookie()[0].split(';')[0];
    this.csrf = (await response.json()).csrf_token;
    return this;
  }

  async call(method, route, body) {
    const response = await fetch(`${URL_BASE}/api/v1/staff/${route}`, {
      method,
      headers: { Cookie: this.cookie, 'X-CSRF-Token': this.csrf, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${route}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : {};
  }

  // The case of `ticket` once routing has put it in the agency's queue.
  async caseOf(ticket) {
    for (let i = 0; i < 600; i += 1) {
      const queue = await this.call('GET', 'queue?page_size=100');
      const found = (queue.cases || []).find((c) => c.ticket === ticket);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${ticket} never reached the queue`);
  }
}

// Polls `check` until it returns a truthy value (the services work asynchronously).
export async function eventually(what, check, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Runs a test body; any failure prints its stack and fails the process (ctest sees the code).
export async function run(body) {
  const browser = await phoneBrowser();
  try {
    await body(browser);
    console.log('ok');
  } catch (e) {
    console.log(`FAILED: ${e.stack || e}`);
    process.exitCode = 1;
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        // What the person would see: the screen's words, when a locator waited in vain.
        await page.locator('main').innerText({ timeout: 2000 })
          .then((text) => console.log(`screen at failure (${page.url()}):\n${text.slice(0, 1500)}`), () => {});
        await screenshot(page, 'at-failure').then((f) => console.log(`screenshot at failure: ${f}`), () => {});
      }
    }
  } finally {
    await browser.close();
  }
}

// A TCP relay in front of the gateway that can cut the connection in the middle of the next
// photo upload, after `bytes` of it went through, as a phone losing its signal does. The browser
// talks to the relay (URL_BASE changes to it); the gateway sees a body that stops.
export async function cuttingRelay() {
  const target = new URL(process.env.SKK_URL);
  let cutAfter = 0;
  const relay = { cuts: 0, cutNextUpload(bytes) { cutAfter = bytes; } };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    let counting = -1;  // bytes of the upload being counted, -1 when none
    client.on('data', (chunk) => {
      if (cutAfter && counting < 0 && chunk.includes('POST /api/v1/media ')) counting = 0;
      if (counting >= 0) {
        counting += chunk.length;
        if (counting > cutAfter) {
          upstream.write(chunk.subarray(0, Math.max(0, chunk.length - (counting - cutAfter))));
          cutAfter = 0;
          relay.cuts += 1;
          client.destroy();
          upstream.destroy();
          return;
        }
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.url = `http://127.0.0.1:${server.address().port}`;
  relay.close = () => server.close();
  URL_BASE = relay.url;
  return relay;
}
