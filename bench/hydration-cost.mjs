// What hydrating the islands costs the main thread: the long tasks (over 50 ms) and the
// longest task from the first intent (a pointer move, which starts the bundle's load) until
// `<body data-hydrated="true">` and 2 s after (the rows of the task board come alive in slices
// after it hydrates), in Debian Chromium at a 4× CPU slowdown (Lighthouse's mobile
// preset). Signs up a throwaway account on the running server, adds TASKS tasks through the
// REST API, then loads the dashboard ROUNDS times (the bundle from the HTTP cache after the
// first) and prints the medians.
// Usage: node bench/hydration-cost.mjs BASE_URL [ROUNDS=5] [TASKS=50]
// (after scripts/e2e has installed Playwright; a release server from scripts/serve or bench/run)
import { chromium } from "../end2end/node_modules/playwright/index.mjs";

const [base, roundsArg, tasksArg] = process.argv.slice(2);
if (!base) {
  console.error("usage: node bench/hydration-cost.mjs BASE_URL [ROUNDS] [TASKS]");
  process.exit(2);
}
const rounds = Number(roundsArg || 5);
const tasks = Number(tasksArg || 50);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 412, height: 823 }, isMobile: true });
const page = await context.newPage();

const email = `hydration-${Date.now()}@example.com`;
const signUp = await page.request.post(`${base}/api/auth/sign-up/email`, {
  headers: { Origin: base },
  data: { name: "Hydration", email, password: "correct horse battery staple" },
});
if (!signUp.ok()) throw new Error(`sign-up: ${signUp.status()} ${await signUp.text()}`);
for (let i = 0; i < tasks; i++) {
  const made = await page.request.post(`${base}/api/tasks`, {
    headers: { Origin: base },
    data: { title: `Task ${i + 1}`, description: i % 3 ? null : "Some words", tags: i % 2 ? ["home"] : [], priority: ["high", "medium", "low"][i % 3] },
  });
  if (!made.ok()) throw new Error(`create: ${made.status()} ${await made.text()}`);
}

const cdp = await context.newCDPSession(page);
await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const longest = [];
const over50 = [];
const total = [];
for (let round = 0; round < rounds; round++) {
  await page.goto(`${base}/`, { waitUntil: "load" });
  // Through CDP, not Playwright's `evaluate`/`waitForSelector`: those inject Playwright's own
  // scripts into the page, whose evaluation (70–110 ms at 4× CPU) the observer counted as a
  // long task of ours until 2026-12-08.
  const run = async (expression) =>
    (await cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true })).result.value;
  await run(`window.__tasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__tasks.push(entry.duration);
    }).observe({ type: "longtask" });
    window.__start = performance.now(); true`);
  await page.mouse.move(20, 20);
  const m = await run(`new Promise((resolve) => {
    const done = () => {
      const ms = performance.now() - window.__start;
      setTimeout(() => resolve({ tasks: window.__tasks, ms }), 2000);
    };
    if (document.body.dataset.hydrated === "true") return done();
    new MutationObserver((_, o) => {
      if (document.body.dataset.hydrated === "true") { o.disconnect(); done(); }
    }).observe(document.body, { attributes: true });
  })`);
  longest.push(Math.max(0, ...m.tasks));
  over50.push(m.tasks.length);
  total.push(m.ms);
}
await browser.close();
console.error(`longest task per round: ${longest.map(Math.round).join(" ")} ms`);
console.log(`| ${tasks} tasks, 4× CPU, median of ${rounds} | longest task | tasks over 50 ms | intent → hydrated |`);
console.log("|---|---:|---:|---:|");
console.log(`| dashboard | ${median(longest).toFixed(0)} ms | ${median(over50)} | ${median(total).toFixed(0)} ms |`);
