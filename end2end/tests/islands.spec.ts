import type { Page, Route } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";

// The account forms and the task board are Leptos islands: server HTML that the WASM bundle
// hydrates after the first paint. Once hydrated they check the domain's rules in the browser
// (nothing is sent when one is broken), act at once, send one server function call per action,
// and put a row back, saying why, when the server refuses.

const PASSWORD = "correct horse battery staple";
let counter = 0;
const uniqueEmail = (who: string) => `${who}-${Date.now()}-${++counter}@example.com`;

/** Every request the page makes to the server's API or for a page, from now on. */
function recordRequests(page: Page) {
  const seen: string[] = [];
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith("/pkg/") || url.pathname.endsWith(".js") || url.pathname.endsWith(".css")) return;
    // Server function URLs end in a hash of their signature: compared without it.
    seen.push(`${req.method()} ${url.pathname.replace(/\d+$/, "")}`);
  });
  return seen;
}

async function signUpHydrated(page: Page, who: string) {
  await page.goto("/sign-up");
  await waitForHydration(page);
  const email = uniqueEmail(who);
  await page.getByLabel("Name").fill(who);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("current-user")).toContainText(email);
  await waitForHydration(page);
  return email;
}

const row = (page: Page, title: string) =>
  page.getByTestId("task").filter({ has: page.getByTestId("task-title").getByText(title, { exact: true }) });

/** Holds every server function reply back `ms` before it reaches the page. */
async function holdReplies(page: Page, ms: number) {
  await page.route("**/api/**", async (route: Route) => {
    const response = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, ms));
    await route.fulfill({ response });
  });
}

test("the account forms are islands that check the rules before sending", async ({ page, consoleProblems }) => {
  for (const path of ["/sign-in", "/sign-up", "/forgot-password", "/reset-password?token=abc"]) {
    await page.goto(path);
    await expect(page.locator("leptos-island form[method=post]")).toHaveCount(1);
  }

  await page.goto("/sign-up");
  await waitForHydration(page);
  const sent = recordRequests(page);
  await page.getByLabel("Name").fill("Ada");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-password-error")).toContainText("at least 8 characters");
  expect(sent, "a broken rule sends nothing").toEqual([]);
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Password")).toBeFocused();

  await page.goto("/sign-in");
  await waitForHydration(page);
  sent.length = 0;
  // `novalidate` on the form is not ours to set: the browser's own check is skipped by
  // typing an address it accepts but our rule does not (the reserved placeholder domain).
  await page.getByLabel("Email").fill("someone@external.invalid");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#field-email-error")).toContainText("valid email address");
  expect(sent, "a broken rule sends nothing").toEqual([]);

  // A refusal from the server shows in place, without leaving the page.
  await page.getByLabel("Email").fill("nobody-here@example.com");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("Invalid email or password.");
  expect(sent).toEqual(["POST /api/sign_in"]);
  // Chromium logs the refused request (401) itself; nothing else may be there.
  consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((p) => !p.includes("Failed to load resource")));
});

test("the board acts at once, with every reply held back two seconds", async ({ page, consoleProblems }) => {
  await signUpHydrated(page, "quick");
  await expect(page.locator("leptos-island [data-testid=add-task]")).toHaveCount(1);
  await holdReplies(page, 2000);
  const sent = recordRequests(page);

  const start = Date.now();
  await page.getByLabel("Title").fill("Water the plants");
  await page.getByLabel("Title").press("Enter");
  await expect(row(page, "Water the plants")).toBeVisible({ timeout: 600 });
  await expect(page.getByTestId("filter-all")).toContainText("1");
  await expect(page.getByLabel("Title")).toHaveValue("");
  // Ticked at once, while the add itself is still on its way.
  await row(page, "Water the plants").getByTestId("toggle").click();
  await expect(row(page, "Water the plants")).toHaveClass(/done/, { timeout: 600 });
  expect(Date.now() - start).toBeLessThan(1800);
  await expect(row(page, "Water the plants")).not.toHaveClass(/pending/, { timeout: 8000 });
  await expect(row(page, "Water the plants")).toHaveClass(/done/);
  expect(sent, "one request per action, and no page fetched").toEqual(["POST /api/add_task", "POST /api/toggle_task"]);

  // Edit and delete, at once too.
  await row(page, "Water the plants").getByTestId("edit").click();
  await expect(page).toHaveURL(/[?&]edit=\d+/);
  await page.getByTestId("edit-title").fill("Water the ferns");
  await page.getByTestId("save").click();
  await expect(row(page, "Water the ferns")).toBeVisible({ timeout: 600 });
  await expect(page).not.toHaveURL(/edit=/);
  await row(page, "Water the ferns").getByTestId("delete").click();
  await expect(row(page, "Water the ferns")).toBeHidden({ timeout: 600 });
  await expect(page.getByTestId("filter-all")).toContainText("0");
  await expect.poll(() => sent.length, { timeout: 8000 }).toBe(4);
  expect(sent.slice(2)).toEqual(["POST /api/update_task", "POST /api/delete_task"]);
  await page.unrouteAll({ behavior: "wait" });
  await page.reload();
  await expect(page.getByTestId("task")).toHaveCount(0);
  expect(consoleProblems).toEqual([]);
});

test("rows the server rendered act at once and keep the keyboard focus while the board comes alive", async ({ page, consoleProblems }) => {
  // The board hydrates its rows' `<li>` first and their content in slices after (row.rs):
  // a control focused before that must stay focused, and act at once, from the keyboard.
  await signUpHydrated(page, "waking");
  for (const title of ["First", "Second", "Third"]) {
    const made = await page.request.post("/api/tasks", { headers: { Origin: new URL(page.url()).origin }, data: { title } });
    expect(made.ok()).toBe(true);
  }
  await page.goto("/");
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  const toggle = row(page, "Second").getByTestId("toggle");
  await toggle.focus(); // focus is intent: the bundle loads now
  await waitForHydration(page);
  await page.waitForTimeout(300); // the slices of rows have come alive
  await expect(toggle).toBeFocused();
  await holdReplies(page, 2000);
  const sent = recordRequests(page);
  await page.keyboard.press("Space");
  await expect(row(page, "Second")).toHaveClass(/done/, { timeout: 600 });
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await expect(toggle).toBeFocused();
  await row(page, "Third").getByTestId("delete").click();
  await expect(row(page, "Third")).toBeHidden({ timeout: 600 });
  await expect(page.getByTestId("filter-all")).toContainText("2");
  await expect(row(page, "Second")).not.toHaveClass(/pending/, { timeout: 8000 });
  await expect.poll(() => sent.length, { timeout: 8000 }).toBe(2);
  expect(sent, "one request per action, and no page fetched").toEqual(["POST /api/toggle_task", "POST /api/delete_task"]);
  await page.unrouteAll({ behavior: "wait" });
  await page.reload();
  await expect(row(page, "Second")).toHaveClass(/done/);
  await expect(row(page, "Third")).toHaveCount(0);
  expect(consoleProblems).toEqual([]);
});

test("the domain's rules run in the browser: eleven tags are refused before any request", async ({ page, consoleProblems }) => {
  await signUpHydrated(page, "tags");
  const sent = recordRequests(page);
  await page.getByLabel("Title").fill("Too many labels");
  const more = page.locator("form.add-task summary");
  if (await more.isVisible()) await more.click();
  await page.getByTestId("tags-input").fill("a,b,c,d,e,f,g,h,i,j,k");
  await page.getByTestId("add-task").click();
  await expect(page.locator("#new-tags-error")).toContainText("10");
  await expect(page.getByTestId("tags-input")).toBeFocused();
  // A repeating task needs a due date: said under the field, nothing sent.
  await page.getByTestId("tags-input").fill("a");
  await page.getByTestId("repeat-input").selectOption("weekly");
  await page.getByTestId("add-task").click();
  await expect(page.locator("#new-repeat-error")).toContainText("due date");
  expect(sent).toEqual([]);
  await expect(page.getByTestId("task")).toHaveCount(0);
  expect(consoleProblems).toEqual([]);
});

test("a refusal puts the row back and says why next to it", async ({ page, consoleProblems }) => {
  await signUpHydrated(page, "refused");
  await page.getByLabel("Title").fill("Keep me");
  await page.getByTestId("add-task").click();
  await expect(row(page, "Keep me")).not.toHaveClass(/pending/);

  const refuse = (status: number, code: string, message: string) => async (route: Route) =>
    route.fulfill({ status, contentType: "application/json", body: JSON.stringify({ status, code, message, fields: [] }) });

  // A 5xx on toggle: the tick comes off again, with the reason in the row.
  await page.route("**/api/toggle_task*", refuse(503, "SERVICE_UNAVAILABLE", "The service is busy. Try again in a moment."));
  await row(page, "Keep me").getByTestId("toggle").click();
  await expect(row(page, "Keep me").getByTestId("row-error")).toHaveText("The service is busy. Try again in a moment.");
  await expect(row(page, "Keep me")).not.toHaveClass(/done/);
  await expect(page.getByTestId("filter-completed")).toContainText("0");

  // A network failure on delete: the row comes back.
  await page.route("**/api/delete_task*", (route) => route.abort("failed"));
  await row(page, "Keep me").getByTestId("delete").click();
  await expect(row(page, "Keep me")).toBeVisible();
  await expect(row(page, "Keep me").getByTestId("row-error")).toContainText("Could not reach the server");

  // A 409 quota on add: the new row goes, the title typed comes back, the reason is said.
  await page.route("**/api/add_task*", refuse(409, "TASK_LIMIT_REACHED", "Your list is full."));
  await page.getByLabel("Title").fill("One too many");
  await page.getByTestId("add-task").click();
  await expect(page.getByTestId("add-error")).toHaveText("Your list is full.");
  await expect(row(page, "One too many")).toHaveCount(0);
  await expect(page.getByLabel("Title")).toHaveValue("One too many");

  // A 422 on an edit: the old title is back, and the editor reopens with what was typed.
  await page.route("**/api/update_task*", refuse(422, "TITLE_TOO_LONG", "The title must be at most 200 characters."));
  await row(page, "Keep me").getByTestId("edit").click();
  await page.getByTestId("edit-title").fill("Keep me, renamed");
  await page.getByTestId("save").click();
  await expect(page.getByTestId("edit-title")).toHaveValue("Keep me, renamed");
  await expect(page.locator("form.edit-task")).toContainText("at most 200 characters");
  await page.unrouteAll({ behavior: "wait" });
  await page.reload();
  await expect(row(page, "Keep me")).toBeVisible();
  await expect(row(page, "Keep me")).not.toHaveClass(/done/);
  // Chromium logs each refused request itself; nothing else may be there.
  consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((p) => !p.includes("Failed to load resource")));
});

test("with the WASM blocked, the same forms work through navigate.js", async ({ page, consoleProblems }) => {
  await page.route("**/pkg/*.wasm", (route) => route.abort("blockedbyclient"));
  await page.goto("/sign-up");
  const email = uniqueEmail("nowasm");
  await page.getByLabel("Name").fill("No Wasm");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("current-user")).toContainText(email);
  await page.getByLabel("Title").fill("Plain form");
  await page.getByTestId("add-task").click();
  await expect(row(page, "Plain form")).toBeVisible();
  await row(page, "Plain form").getByTestId("toggle").click();
  await expect(row(page, "Plain form")).toHaveClass(/done/);
  await row(page, "Plain form").getByTestId("delete").click();
  await expect(row(page, "Plain form")).toHaveCount(0);
  // The failed bundle is the only console error there may be.
  consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((p) => !/wasm|WebAssembly|fetch|blocked/i.test(p)));
});

test("on a phone the first screen shows the quick add and the first tasks", async ({ page, consoleProblems }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signUpHydrated(page, "phone");
  for (const title of ["Milk", "Bread", "Eggs"]) {
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Title").press("Enter");
    await expect(row(page, title)).toBeVisible();
  }
  await expect(page.locator("form.add-task summary")).toBeVisible();
  await expect(page.getByTestId("tags-input")).toBeHidden();
  const firstRow = await page.getByTestId("task").first().boundingBox();
  expect(firstRow && firstRow.y + firstRow.height, "the first task is above the fold").toBeLessThan(844);
  await page.locator("form.add-task summary").click();
  await expect(page.getByTestId("tags-input")).toBeVisible();
  await page.screenshot({ path: "screenshots/board-390.png", fullPage: true });
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, "no sideways scrolling at 390 px").toBeLessThanOrEqual(390);

  await page.goto("/account");
  const box = await page.locator(".checkbox-row input[type=checkbox]").first().boundingBox();
  const label = await page.locator(".checkbox-row label").first().boundingBox();
  expect(box && label && Math.abs(box.x + box.width - label.x), "the checkbox sits beside its label").toBeLessThan(16);
  await page.screenshot({ path: "screenshots/account-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/");
  await expect(page.getByTestId("tags-input")).toBeVisible();
  await page.screenshot({ path: "screenshots/board-desktop.png", fullPage: true });
  expect(consoleProblems).toEqual([]);
});

// One table of inputs, judged by the browser-side check (the WASM running `leptodo::rules`)
// and by the server (the REST API, same rules): each must find fault with the same fields.
const TASK_TABLE: { name: string; title: string; description?: string; tags?: string; repeat?: string; due?: string }[] = [
  { name: "eleven tags", title: "Labels", tags: "a,b,c,d,e,f,g,h,i,j,k" },
  { name: "a title of 201 characters", title: "x".repeat(201) },
  { name: "a blank title", title: "   " },
  { name: "a description of 1001 characters", title: "Long", description: "y".repeat(1001) },
  { name: "a tag of 33 characters", title: "Tag", tags: "z".repeat(33) },
  { name: "one tag twice", title: "Twice", tags: "home, Home" },
  { name: "a repeat without a due date", title: "Bins", repeat: "weekly" },
  { name: "a title and a repeat both wrong", title: "  ", repeat: "daily" },
];

test("one table of inputs: the browser's check and the server's give the same verdict", async ({ page, consoleProblems }) => {
  await signUpHydrated(page, "table");
  const sent = recordRequests(page);
  const form = page.locator("form.add-task");
  const more = form.locator("summary");
  for (const input of TASK_TABLE) {
    // Set as a script would: typing stops at `maxlength`, and the rule beyond it is the test.
    const set = (selector: string, value: string) =>
      form.locator(selector).evaluate((el, v) => ((el as HTMLInputElement).value = v), value);
    await set("#new-title", input.title);
    if (await more.isVisible()) await more.click();
    await set("#new-description", input.description ?? "");
    await set("#new-tags", input.tags ?? "");
    await form.getByTestId("repeat-input").selectOption(input.repeat ?? "");
    await form.getByTestId("due-input").fill(input.due ?? "");
    await page.getByTestId("add-task").click();
    // The fields the browser marked, by the name the API uses.
    const browser = (
      await form.locator(".field-error:not(:empty)").evaluateAll((els) => els.map((el) => el.id))
    )
      .map((id) => id.replace(/^new-/, "").replace(/-error$/, ""))
      .map((f) => ({ due: "due_date", repeat: "recurrence" })[f] ?? f)
      .sort();
    const response = await page.request.post("/api/tasks", {
      headers: { Origin: new URL(page.url()).origin },
      data: {
        title: input.title,
        description: input.description ?? null,
        tags: (input.tags ?? "").split(",").map((t) => t.trim()).filter((t) => t),
        recurrence: input.repeat ?? null,
        due_date: input.due ?? null,
      },
    });
    expect(response.status(), input.name).toBe(422);
    const detail = (await response.json()).detail as { loc: (string | number)[] }[];
    const server = [...new Set(detail.map((d) => String(d.loc[1])))].sort();
    expect(browser, input.name).toEqual(server);
  }
  expect(sent.filter((r) => r.includes("add_task")), "no add was sent").toEqual([]);
  expect(consoleProblems).toEqual([]);
});
