import type { Browser, Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";

// Organizing tasks — priority, tags, due dates, repeats, search and sort — with JavaScript and
// without: every control is a form, and the view lives in the URL.

const PASSWORD = "correct horse battery staple";

/** `YYYY-MM-DD`, `days` from today (UTC, as the server counts). */
function day(days: number) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

async function open(browser: Browser, javaScript: boolean) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || (msg.type() === "warning" && /hydrat/i.test(msg.text()))) problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  return { context, page, problems };
}

async function settle(page: Page, javaScript: boolean) {
  if (javaScript) await waitForHydration(page);
}

async function add(page: Page, title: string, fields: { priority?: string; tags?: string; due?: string; repeat?: string }) {
  const form = page.locator("form.add-task");
  await form.getByLabel("Title").fill(title);
  // The fields beyond the title sit under "More options" on a narrow screen.
  const more = form.locator("summary");
  if (await more.isVisible()) await more.click();
  if (fields.priority) await form.getByTestId("priority-input").selectOption(fields.priority);
  if (fields.tags) await form.getByTestId("tags-input").fill(fields.tags);
  if (fields.due) await form.getByTestId("due-input").fill(fields.due);
  if (fields.repeat) await form.getByTestId("repeat-input").selectOption(fields.repeat);
  await page.getByTestId("add-task").click();
  await expect(page.getByTestId("task-title").filter({ hasText: title }).first()).toBeVisible();
}

function row(page: Page, title: string) {
  return page.getByTestId("task").filter({ has: page.getByTestId("task-title").getByText(title, { exact: true }) });
}

const titles = (page: Page) => page.getByTestId("task-title").allTextContents();

for (const javaScript of [true, false]) {
  const mode = javaScript ? "with JavaScript" : "without JavaScript";

  test(`tasks are organized, found and sorted, ${mode}`, async ({ browser }) => {
    const { context, page, problems } = await open(browser, javaScript);
    await page.goto("/sign-up");
    await settle(page, javaScript);
    const email = `organize-${javaScript ? "js" : "nojs"}-${Date.now()}@example.com`;
    await page.getByLabel("Name").fill("Olga");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByTestId("current-user")).toContainText(email);
    await settle(page, javaScript);

    await add(page, "Pay rent", { priority: "high", tags: "home, Bills", due: day(-1) });
    await add(page, "Bins out", { tags: "home", due: day(0), repeat: "weekly" });
    await add(page, "Water plants", { priority: "low", due: day(3) });
    await add(page, "Read a book", {});

    // The row shows what was set; overdue stands out.
    const rent = row(page, "Pay rent");
    await expect(rent.getByTestId("priority")).toHaveText("High priority");
    await expect(rent.getByTestId("due")).toHaveClass(/overdue/);
    await expect(rent.getByTestId("due").locator("time")).toHaveAttribute("datetime", day(-1));
    await expect(rent.getByTestId("tag")).toHaveText(["home", "Bills"]);
    await expect(row(page, "Bins out").getByTestId("repeats")).toContainText("weekly");

    // A tag is a link that filters; its chip takes the filter off again.
    await rent.getByTestId("tag").filter({ hasText: "Bills" }).click();
    await expect(page).toHaveURL(/[?&]tag=Bills/);
    await expect.poll(() => titles(page)).toEqual(["Pay rent"]);
    await page.getByTestId("chosen-tag").click();
    await expect.poll(() => titles(page)).toHaveLength(4);

    // Search: the start of a word, any case; Back returns to the whole list.
    await page.getByTestId("search").fill("PLAN");
    await page.getByTestId("search").press("Enter");
    await expect(page).toHaveURL(/[?&]q=PLAN/);
    await expect.poll(() => titles(page)).toEqual(["Water plants"]);
    await page.goBack();
    await expect.poll(() => titles(page)).toHaveLength(4);

    // Sort by due date: soonest first, no date last; combined with the state filter.
    await page.getByTestId("search").fill("");
    await page.getByTestId("sort").selectOption("due_date");
    // With JavaScript the choice applies itself; without, "Apply" (a <noscript> button) does.
    if (!javaScript) await page.getByTestId("apply").click();
    await expect(page).toHaveURL(/[?&]sort=due_date/);
    await expect.poll(() => titles(page)).toEqual(["Pay rent", "Bins out", "Water plants", "Read a book"]);
    await page.getByTestId("filter-active").click();
    await expect(page).toHaveURL(/filter=active.*sort=due_date|sort=due_date.*filter=active/);

    // Completing a weekly task brings next week's.
    await row(page, "Bins out").getByTestId("toggle").click();
    await expect(row(page, "Bins out")).toHaveCount(1);
    await expect(row(page, "Bins out").getByTestId("due").locator("time")).toHaveAttribute("datetime", day(7));
    await page.getByTestId("filter-all").click();
    await expect(row(page, "Bins out")).toHaveCount(2);

    // Editing keeps and changes the organizing fields.
    await row(page, "Water plants").getByTestId("edit").click();
    const editor = page.locator("form.edit-task");
    await expect(editor.getByTestId("priority-input")).toHaveValue("low");
    await editor.getByTestId("tags-input").fill("garden");
    await page.getByTestId("save").click();
    await expect(row(page, "Water plants").getByTestId("tag")).toHaveText(["garden"]);
    await expect(row(page, "Water plants").getByTestId("priority")).toHaveText("Low priority");

    expect(problems, "the browser console should stay clean").toEqual([]);
    await context.close();
  });
}
