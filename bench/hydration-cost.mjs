// What hydrating the islands costs the main thread: the long tasks (over 50 ms) and the
// longest task from the first intent (a pointer move, which starts the bundle's load) until
// `<body data-hydrated="true">`, in Debian Chromium at a 4× CPU slowdown (Lighthouse's mobile
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
  await page.evaluate(() => {
    window.__tasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__tasks.push(entry.duration);
    }).observe({ type: "longtask" });
    window.__start = performance.now();
  });
  await page.mouse.move(20, 20);
  await page.waitForSelector("body[data-hydrated=true]", { timeout: 60_000 });
  await page.waitForTimeout(300); // let the observer deliver the last entries
  const m = await page.evaluate(() => ({ tasks: window.__tasks, ms: performance.now() - window.__start }));
  longest.push(Math.max(0, ...m.tasks));
  over50.push(m.tasks.length);
  total.push(m.ms);
}
await browser.close();
console.log(`| ${tasks} tasks, 4× CPU, median of ${rounds} | longest task | tasks over 50 ms | intent → hydrated |`);
console.log("|---|---:|---:|---:|");
console.log(`| dashboard | ${median(longest).toFixed(0)} ms | ${median(over50)} | ${median(total).toFixed(0)} ms |`);
