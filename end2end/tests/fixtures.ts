import { test as base, expect, type ConsoleMessage } from "@playwright/test";

/**
 * A `page` that records every console error, page error and hydration warning, and fails the
 * test at its end if there was any. Every spec imports `test` from here instead of Playwright.
 */
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: async ({ page }, use) => {
    const problems: string[] = [];
    const isProblem = (msg: ConsoleMessage) =>
      msg.type() === "error" ||
      (msg.type() === "warning" && /hydrat/i.test(msg.text()));
    page.on("console", (msg) => {
      if (isProblem(msg)) problems.push(`console.${msg.type()}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    await use(problems);
    expect(problems, "the browser console should stay clean").toEqual([]);
  },
});

export { expect };

/**
 * Resolves once the WASM bundle has hydrated the page (the app marks <body>). The bundle loads
 * on a person's first intent: the pointer moving is one.
 */
export async function waitForHydration(page: import("@playwright/test").Page) {
  await page.mouse.move(5, 5);
  await page.mouse.move(10, 10);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
