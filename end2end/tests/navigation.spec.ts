import type { Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";

// Once the page is interactive, links and forms swap the page in place (public/navigate.js):
// the document survives. A value set on `window` is the witness: any full reload erases it.
const PASSWORD = "correct horse battery staple";

async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
}
async function sameDocument(page: Page) {
  return page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
}

test("links, forms, and Back swap the page in place, and the page is the server's", async ({
  page,
  consoleProblems,
}) => {
  const email = `nav-${Date.now()}@example.com`;
  await page.goto("/sign-in");
  await waitForHydration(page);
  await markDocument(page);

  // A sign-in that fails keeps what was typed; the error is the server's, said in place by the
  // sign-in island (its server function's answer: no page is fetched).
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText(/invalid email or password/i);
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByLabel("Email")).toHaveValue(email);
  expect(await sameDocument(page)).toBe(true);
  // Chromium logs the refused request (401) itself.
  consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((p) => !p.includes("Failed to load resource")));

  // A link: new page, new title, new heading.
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/sign-up$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(/create/i);
  expect(await sameDocument(page)).toBe(true);
  await page.getByLabel("Name").fill("Nav");
  await page.getByLabel("Password").fill(PASSWORD);

  // The post that succeeds lands on the dashboard, still the same document.
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("current-user")).toContainText(email);
  expect(await sameDocument(page)).toBe(true);

  for (const title of ["One", "Two"]) {
    await page.getByLabel("Title").fill(title);
    await page.getByTestId("add-task").click();
    await expect(page.getByTestId("task-title").filter({ hasText: title })).toBeVisible();
    // After a successful add, the field is empty again (the server's page, not the old value).
    await expect(page.getByLabel("Title")).toHaveValue("");
  }
  await page.getByTestId("task").filter({ hasText: "One" }).getByTestId("toggle").click();
  await expect(page.getByTestId("task").filter({ hasText: "One" })).toHaveClass(/done/);

  // A half-typed title survives ticking another task off and on; focus stays on a control.
  await page.getByLabel("Title").fill("half typed");
  const two = page.getByTestId("task").filter({ hasText: "Two" });
  await two.getByTestId("toggle").click();
  await expect(two).toHaveClass(/done/);
  await two.getByTestId("toggle").click();
  await expect(two).not.toHaveClass(/done/);
  await expect(page.getByLabel("Title")).toHaveValue("half typed");
  expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe("BODY");

  // Offline, a row's button says so in the list's alert (the row's form has none).
  await page.context().setOffline(true);
  await two.getByTestId("toggle").click();
  await expect(page.getByText(/could not reach the server/i)).toBeVisible();
  await expect(two.getByTestId("toggle")).toBeEnabled();
  await page.context().setOffline(false);
  await page.getByLabel("Title").fill("");

  // Filter links: the current one is marked, and the mark moves (attributes are removed too).
  await page.getByTestId("filter-completed").click();
  await expect(page).toHaveURL(/filter=completed/);
  await expect(page.getByTestId("filter-completed")).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("filter-all")).not.toHaveAttribute("aria-current", /.*/);
  await expect(page.getByTestId("task-title")).toHaveText(["One"]);

  // Back and Forward follow the history the swaps made.
  await page.goBack();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("task-title")).toHaveText(["Two", "One"]);
  await expect(page.getByTestId("filter-all")).toHaveAttribute("aria-current", "page");
  await page.goForward();
  await expect(page.getByTestId("task-title")).toHaveText(["One"]);
  expect(await sameDocument(page)).toBe(true);

  // An island on another page comes to life after an in-place visit.
  await page.getByRole("link", { name: "Server status" }).click();
  await expect(page).toHaveURL(/\/status$/);
  await page.getByTestId("check-health").click();
  await expect(page.getByTestId("health-status")).toHaveText(/Server is up/);
  expect(await sameDocument(page)).toBe(true);

  // Sign-out is a form post too.
  await page.locator("a.brand").click();
  await expect(page.getByTestId("sign-out")).toBeVisible();
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/sign-in$/);
  expect(await sameDocument(page)).toBe(true);
  // The offline click's failed fetch is logged by the browser; it is the case under test.
  expect(consoleProblems.filter((p) => !/Failed to fetch|ERR_INTERNET_DISCONNECTED/.test(p))).toEqual([]);
  consoleProblems.splice(0, consoleProblems.length);
});

test("pages that are not the app's, and API docs, load as whole documents", async ({ page }) => {
  await page.goto("/status");
  await waitForHydration(page);
  await markDocument(page);
  await page.getByRole("link", { name: "API docs" }).click();
  await expect(page).toHaveURL(/\/docs\/?/);
  expect(await sameDocument(page)).toBe(false);
});

test("when the server cannot be reached, a form says so and keeps what was typed", async ({
  page,
  consoleProblems,
}) => {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("Email").fill("someone@example.com");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.context().setOffline(true);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText(/could not reach the server/i);
  await expect(page.getByLabel("Email")).toHaveValue("someone@example.com");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  await page.context().setOffline(false);
  // The failed fetch is logged by the browser; it is the case under test.
  consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((p) => !/Failed to fetch|ERR_INTERNET_DISCONNECTED/.test(p)));
});

// Both scripts load `async`, so either may arrive first. navigate.js waits for the parsed page
// and for idiomorph: with idiomorph held back until after navigate.js has run, the page still
// becomes interactive and a link still swaps the page in place.
test("navigation starts when idiomorph arrives after navigate.js", async ({ page, consoleProblems }) => {
  let released = false;
  await page.route("**/idiomorph.min.js", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 700));
    released = true;
    await route.continue();
  });
  await page.goto("/sign-in");
  await waitForHydration(page);
  expect(released).toBe(true);
  await markDocument(page);
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/sign-up$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(/create/i);
  expect(await sameDocument(page)).toBe(true);
});
