import { test, expect, waitForHydration } from "./fixtures";

test("the status page is server-rendered, then hydrates and calls a server function", async ({
  page,
  consoleProblems,
}) => {
  // Before any script runs, the HTML already carries the content (server rendering).
  const response = await page.request.get("/status");
  expect(response.status()).toBe(200);
  expect(await response.text()).toContain("Check the server");

  await page.goto("/status");
  await expect(page).toHaveTitle("Leptodo");
  await waitForHydration(page);

  // The button only has a click handler once the WASM bundle has hydrated the page.
  const status = page.getByTestId("health-status");
  await expect(status).toHaveText("Not checked yet.");
  await page.getByTestId("check-health").click();
  await expect(status).toHaveText("Server is up; sqlite database answered.");
  expect(consoleProblems).toEqual([]);
});

test("without WASM the page still renders, and the control stays inert", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/status");
  await expect(page.getByRole("heading", { name: "Server status", level: 1 })).toBeVisible();
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("check-health").click();
  await expect(page.getByTestId("health-status")).toHaveText("Not checked yet.");
  await context.close();
});

test("an unknown page is a 404 page, not a blank one", async ({ page, consoleProblems }) => {
  const response = await page.goto("/does-not-exist");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  // A 404 document is itself no console error for our purposes; the app's own must be absent.
  consoleProblems.splice(
    0,
    consoleProblems.length,
    ...consoleProblems.filter((p) => !p.includes("404")),
  );
});
