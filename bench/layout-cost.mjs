// The page's own style and layout cost, steadier than a Lighthouse run on a noisy machine.
// For each URL (a page of the running server, or a static copy of one), in Debian Chromium
// with Lighthouse's mobile viewport: load it, then 40 times force a full style recalc (a
// custom property on <body> flips) and a full relayout (<body>'s width changes by 1 px), and
// keep the medians. Pages are loaded in rounds, in turn, so drift hits each alike. First-use
// costs (a date input's first appearance, text shaping) do not show here: compare variants of
// one page with it, and confirm with bench/first-load.
// Usage: node bench/layout-cost.mjs ROUNDS URL... (after scripts/e2e has installed Playwright)
import { chromium } from "../end2end/node_modules/playwright/index.mjs";

const rounds = Number(process.argv[2]);
const urls = process.argv.slice(3);
if (!rounds || urls.length === 0) {
  console.error("usage: node bench/layout-cost.mjs ROUNDS URL...");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({
  viewport: { width: 412, height: 823 },
  deviceScaleFactor: 1.75,
  isMobile: true,
});
const page = await context.newPage();
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const results = new Map(urls.map((u) => [u, { style: [], layout: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const url of urls) {
    await page.goto(url, { waitUntil: "load" });
    const m = await page.evaluate(() => {
      const sheet = document.createElement("style");
      sheet.textContent = "html.cost-probe body { --cost-probe: 1 }";
      document.head.append(sheet);
      const html = document.documentElement;
      const style = [];
      const layout = [];
      for (let i = 0; i < 40; i++) {
        let t = performance.now();
        html.classList.toggle("cost-probe");
        getComputedStyle(document.body.lastElementChild || document.body).color;
        style.push(performance.now() - t);
        t = performance.now();
        document.body.style.width = i % 2 ? "400px" : "401px";
        void document.body.offsetHeight;
        layout.push(performance.now() - t);
      }
      const mid = (a) => a.sort((x, y) => x - y)[a.length >> 1];
      return { style: mid(style), layout: mid(layout) };
    });
    results.get(url).style.push(m.style);
    results.get(url).layout.push(m.layout);
  }
}
await browser.close();
console.log("| page | style recalc (ms) | layout (ms) |\n|---|---:|---:|");
for (const [url, r] of results) {
  console.log(`| ${url} | ${median(r.style).toFixed(2)} | ${median(r.layout).toFixed(2)} |`);
}
