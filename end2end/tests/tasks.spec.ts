import type { Browser, Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";

const PASSWORD = "correct horse battery staple";
let counter = 0;
/** An email no other test (or earlier run on the same database) has used. */
function uniqueEmail(who: string) {
  counter += 1;
  return `${who}-${Date.now()}-${counter}@example.com`;
}

async function signUp(page: Page, name: string, email: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("current-user")).toContainText(email);
}

async function addTask(page: Page, title: string, description = "") {
  await page.getByLabel("Title").fill(title);
  if (description) await page.getByLabel(/Description/).fill(description);
  await page.getByTestId("add-task").click();
  await expect(page.getByTestId("task-title").filter({ hasText: title })).toBeVisible();
}

function row(page: Page, title: string) {
  return page.getByTestId("task").filter({ has: page.getByTestId("task-title").getByText(title, { exact: true }) });
}

async function titles(page: Page) {
  return page.getByTestId("task-title").allTextContents();
}

test("signed-out visitors land on sign-in; a wrong password is explained", async ({ page, consoleProblems }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await waitForHydration(page);
  const email = uniqueEmail("wrong");
  await page.goto("/sign-up");
  await waitForHydration(page);
  await signUp(page, "Wren", email);
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/sign-in$/);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText(/invalid email or password/i);
  await expect(page).toHaveURL(/\/sign-in/);
  // The failed request is a 401 the browser logs; it is the expected answer, not an app error.
  consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((p) => !/status of (401|500)/.test(p)));
});

test("the whole task flow, with hydration", async ({ page, browser, consoleProblems }) => {
  await page.goto("/sign-up");
  await waitForHydration(page);
  const email = uniqueEmail("ada");
  await signUp(page, "Ada", email);
  await expect(page.getByTestId("empty")).toBeVisible();

  await addTask(page, "Buy milk", "Two litres");
  await addTask(page, "Write report");
  await addTask(page, "Call Bob");
  expect(await titles(page)).toEqual(["Call Bob", "Write report", "Buy milk"]);
  await expect(row(page, "Buy milk")).toContainText("Two litres");
  await expect(row(page, "Buy milk").locator("time")).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT/);

  // Edit in place.
  await row(page, "Write report").getByTestId("edit").click();
  await page.getByTestId("edit-title").fill("Write the quarterly report");
  await page.getByTestId("save").click();
  await expect(row(page, "Write the quarterly report")).toBeVisible();
  await expect(page.getByTestId("edit-title")).toHaveCount(0);

  // Toggle, then filter each way with counts.
  await row(page, "Buy milk").getByTestId("toggle").click();
  await expect(row(page, "Buy milk")).toHaveClass(/done/);
  // The toggle is the row's round check, with no layout of its own (the account page's checkbox
  // row once shared its class name and gave it a flex box and a bottom margin).
  const toggle = row(page, "Buy milk").getByTestId("toggle");
  await expect(toggle).toHaveCSS("margin-bottom", "0px");
  await expect(toggle).toHaveCSS("border-radius", "50%");
  await expect(page.getByTestId("filter-all")).toContainText("3");
  await expect(page.getByTestId("filter-active")).toContainText("2");
  await expect(page.getByTestId("filter-completed")).toContainText("1");
  await page.getByTestId("filter-completed").click();
  await expect.poll(() => titles(page)).toEqual(["Buy milk"]);
  await page.getByTestId("filter-active").click();
  await expect.poll(() => titles(page)).toEqual(["Call Bob", "Write the quarterly report"]);
  await page.getByTestId("filter-all").click();
  await expect.poll(() => titles(page)).toHaveLength(3);

  // Delete, reload: the state is the server's.
  await row(page, "Call Bob").getByTestId("delete").click();
  await expect(row(page, "Call Bob")).toHaveCount(0);
  await page.reload();
  await waitForHydration(page);
  expect(await titles(page)).toEqual(["Write the quarterly report", "Buy milk"]);
  await expect(row(page, "Buy milk")).toHaveClass(/done/);

  // Screenshots for people to look at (git-ignored).
  await page.screenshot({ path: "screenshots/dashboard-desktop.png", fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: "screenshots/dashboard-360.png", fullPage: true });
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, "no sideways scrolling at 360 px").toBeLessThanOrEqual(360);

  // Sign out; a second user sees none of the first user's tasks.
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.screenshot({ path: "screenshots/sign-in-360.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: "screenshots/sign-in.png", fullPage: true });
  await signUp(page, "Bob", uniqueEmail("bob"));
  await expect(page.getByTestId("empty")).toBeVisible();
  expect(await titles(page)).toEqual([]);
  await page.goto("/?filter=completed");
  expect(await titles(page)).toEqual([]);
});

test("more than 50 tasks are reachable", async ({ page, consoleProblems }) => {
  await page.goto("/sign-up");
  await waitForHydration(page);
  await signUp(page, "Many", uniqueEmail("many"));
  // Seed through the REST API with the session cookie (same origin), then page through.
  const me = await (await page.request.get("/api/auth/get-session")).json();
  for (let n = 1; n <= 55; n++) {
    const res = await page.request.post(`/api/${me.user.id}/tasks`, { data: { title: `task ${n}` } });
    expect(res.status()).toBe(201);
  }
  await page.reload();
  await expect(page.getByTestId("task")).toHaveCount(50);
  await expect(page.getByTestId("filter-all")).toContainText("55");
  await page.getByTestId("older").click();
  await expect.poll(() => titles(page)).toEqual(["task 5", "task 4", "task 3", "task 2", "task 1"]);
});

test("an expired session leads back to sign-in with a message", async ({ page, consoleProblems }) => {
  await page.goto("/sign-up");
  await waitForHydration(page);
  await signUp(page, "Eve", uniqueEmail("eve"));
  await addTask(page, "Before expiry");
  // The session ends elsewhere (another tab signs out) while this page stays open.
  const other = await page.context().request.post("/api/auth/sign-out");
  expect(other.status()).toBe(200);
  await page.getByLabel("Title").fill("After expiry");
  await page.getByTestId("add-task").click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByTestId("form-error")).toHaveText(/session has ended/i);
  consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((p) => !/status of (401|500)/.test(p)));
});

async function noJsPage(browser: Browser) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  return { context, page: await context.newPage() };
}

test("the core flow works without JavaScript", async ({ browser }) => {
  const { context, page } = await noJsPage(browser);
  const email = uniqueEmail("nojs");
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Noah");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("current-user")).toContainText(email);

  for (const title of ["First", "Second", "Third"]) {
    await page.getByLabel("Title").fill(title);
    await page.getByTestId("add-task").click();
    await expect(page.getByTestId("task-title").filter({ hasText: title })).toBeVisible();
  }
  expect(await titles(page)).toEqual(["Third", "Second", "First"]);

  // An empty (whitespace) title is refused with the reason next to the field.
  await page.getByLabel("Title").fill("   ");
  await page.getByTestId("add-task").click();
  await expect(page.locator("#new-title-error")).toHaveText(/cannot be empty/);
  expect(await titles(page)).toHaveLength(3);

  await row(page, "Second").getByTestId("toggle").click();
  await expect(row(page, "Second")).toHaveClass(/done/);
  await row(page, "First").getByTestId("edit").click();
  await page.getByTestId("edit-title").fill("First, edited");
  await page.getByTestId("save").click();
  await expect(row(page, "First, edited")).toBeVisible();
  await row(page, "Third").getByTestId("delete").click();
  await expect(row(page, "Third")).toHaveCount(0);
  await page.getByTestId("filter-completed").click();
  expect(await titles(page)).toEqual(["Second"]);

  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText(/invalid email or password/i);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  expect(await titles(page)).toEqual(["Second", "First, edited"]);
  await context.close();
});

test("forms work from the keyboard alone", async ({ page, consoleProblems }) => {
  const email = uniqueEmail("keys");
  await page.goto("/sign-up");
  await waitForHydration(page);
  await page.getByLabel("Name").focus();
  await page.keyboard.type("Kay");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("current-user")).toContainText(email);

  await page.getByLabel("Title").focus();
  await page.keyboard.type("Typed, not clicked");
  await page.keyboard.press("Enter");
  await expect(row(page, "Typed, not clicked")).toBeVisible();
  // The row's controls are reachable with Tab and carry their task in their names.
  await expect(row(page, "Typed, not clicked").getByRole("button", { name: "Mark “Typed, not clicked” as done" })).toBeVisible();
  await row(page, "Typed, not clicked").getByTestId("toggle").focus();
  await page.keyboard.press("Enter");
  await expect(row(page, "Typed, not clicked")).toHaveClass(/done/);
});
