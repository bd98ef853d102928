import type { Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";

// axe-core (npm, run inside the page) over every kind of page, signed out and signed in, with
// tasks, an open editor and a form error on screen: no accessibility violation of any impact.
// Plus what search engines and Lighthouse's SEO audit read: a title, a meta description, one
// h1, a language.
const axePath = require.resolve("axe-core/axe.min.js");
const PASSWORD = "correct horse battery staple";

async function violations(page: Page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function described(page: Page) {
  expect(await page.getAttribute("html", "lang")).toBeTruthy();
  expect(await page.title()).not.toEqual("");
  const description = await page.locator('meta[name="description"]').getAttribute("content");
  expect(description?.length ?? 0).toBeGreaterThan(50);
  await expect(page.locator("h1")).toHaveCount(1);
}

test("every page passes axe-core and carries what search engines read", async ({ page, consoleProblems }) => {
  for (const path of ["/sign-in", "/sign-up", "/forgot-password", "/status"]) {
    await page.goto(path);
    await waitForHydration(page);
    expect(await violations(page), path).toEqual([]);
    await described(page);
  }

  const email = `audit-${Date.now()}@example.com`;
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Audrey");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("current-user")).toContainText(email);
  await waitForHydration(page);
  expect(await violations(page), "empty dashboard").toEqual([]);

  const me = await (await page.request.get("/api/auth/get-session")).json();
  for (let n = 1; n <= 50; n++) {
    const res = await page.request.post(`/api/${me.user.id}/tasks`, {
      data: { title: `task ${n}`, description: n % 3 ? "" : "with a description", tags: n % 5 ? [] : ["work"] },
    });
    expect(res.status()).toBe(201);
  }
  await page.goto("/");
  await page.getByTestId("task").filter({ hasText: "task 50" }).getByTestId("toggle").click();
  await expect(page.getByTestId("task").filter({ hasText: "task 50" })).toHaveClass(/done/);
  expect(await violations(page), "dashboard, 50 tasks").toEqual([]);
  await described(page);

  await page.getByTestId("task").filter({ hasText: "task 49" }).getByTestId("edit").click();
  await expect(page.getByTestId("edit-title")).toBeVisible();
  expect(await violations(page), "dashboard, editing").toEqual([]);

  await page.goto("/");
  await page.getByLabel("Title").fill("   ");
  await page.getByTestId("add-task").click();
  await expect(page.locator("#new-title-error")).toHaveText(/cannot be empty/);
  expect(await violations(page), "dashboard, a form error").toEqual([]);

  await page.goto("/account");
  expect(await violations(page), "account").toEqual([]);
  await described(page);
});
