import { test as plain } from "@playwright/test";
import { test, expect } from "./fixtures";

// The old stack's Next.js front end, kept while moving: a page on its own origin
// (http://old-frontend.localhost, served here by Playwright, trusted by scripts/e2e through
// BETTER_AUTH_TRUSTED_ORIGINS) runs the documents' `ApiClient` against Leptodo. Chromium
// enforces CORS on every call, preflights included, as it would for the real front end.
const FRONTEND = "http://old-frontend.localhost";

test("the documents' ApiClient works from the old front end's origin", async ({ page, context, baseURL }) => {
  // A page served by Playwright has no address, so Chromium's Local Network Access takes it
  // for a public site calling loopback: the permission a person would grant at its prompt.
  await context.grantPermissions(["local-network-access"], { origin: FRONTEND });
  await page.route(`${FRONTEND}/**`, (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>old front end</title>" }),
  );
  await page.goto(`${FRONTEND}/`);
  const outcome = await page.evaluate(async (api) => {
    // Signed up with Better Auth's own route; the token is the API token, as with its bearer plugin.
    const signUp = await fetch(`${api}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Old Front End", email: `old-${Date.now()}@example.com`, password: "correct horse battery staple" }),
    });
    const { token, user } = await signUp.json();

    // The documents' ApiClient (shared/reference 001), with its token from the sign-up.
    class ApiClient {
      baseUrl = api;
      async getAuthToken() { return token; }
      async request(endpoint: string, options: RequestInit = {}) {
        const authToken = await this.getAuthToken();
        const headers: Record<string, string> = { "Content-Type": "application/json", ...(options.headers as Record<string, string>) };
        if (authToken) headers["Authorization"] = `Bearer ${authToken}`;
        const response = await fetch(`${this.baseUrl}${endpoint}`, { ...options, headers });
        if (response.status === 401) throw new Error("Session expired");
        if (!response.ok) throw new Error(`API request failed: ${response.statusText}`);
        return response.json();
      }
      getTasks(userId: string) { return this.request(`/api/${userId}/tasks`); }
      createTask(userId: string, taskData: unknown) {
        return this.request(`/api/${userId}/tasks`, { method: "POST", body: JSON.stringify(taskData) });
      }
      updateTask(userId: string, taskId: number, taskData: unknown) {
        return this.request(`/api/${userId}/tasks/${taskId}`, { method: "PUT", body: JSON.stringify(taskData) });
      }
      deleteTask(userId: string, taskId: number) {
        return this.request(`/api/${userId}/tasks/${taskId}`, { method: "DELETE" });
      }
      toggleTaskCompletion(userId: string, taskId: number) {
        return this.request(`/api/${userId}/tasks/${taskId}/complete`, { method: "PATCH" });
      }
    }
    const client = new ApiClient();
    const created = await client.createTask(user.id, { title: "Buy milk" });
    const updated = await client.updateTask(user.id, created.id, { title: "Buy oat milk" });
    const toggled = await client.toggleTaskCompletion(user.id, created.id);
    const listed = await client.getTasks(user.id);
    const deleted = await client.deleteTask(user.id, created.id);
    const after = await client.getTasks(user.id);
    return { created, updated, toggled, listed, deleted, after };
  }, baseURL!);
  expect(outcome.created.title).toBe("Buy milk");
  expect(outcome.updated.title).toBe("Buy oat milk");
  expect(outcome.toggled.completed).toBe(true);
  expect(outcome.listed.map((t: { id: number }) => t.id)).toEqual([outcome.created.id]);
  expect(outcome.deleted.id).toBe(outcome.created.id);
  expect(outcome.after).toEqual([]);
});

// Not the console-checking page: Chromium reports the blocked read on the console.
plain("a page on an origin nobody trusted cannot read the API", async ({ page, context, baseURL }) => {
  // Allowed to reach loopback, so what stops it is CORS, not Local Network Access.
  await context.grantPermissions(["local-network-access"], { origin: "http://stranger.localhost" });
  const refused: string[] = [];
  page.on("console", (msg) => refused.push(msg.text()));
  await page.route("http://stranger.localhost/**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>stranger</title>" }),
  );
  await page.goto("http://stranger.localhost/");
  const read = await page.evaluate(async (api) => {
    try {
      await fetch(`${api}/api/tasks`, { headers: { Authorization: "Bearer x" } });
      return "read";
    } catch {
      return "blocked";
    }
  }, baseURL!);
  expect(read).toBe("blocked");
  expect(refused.join("\n")).toMatch(/Access-Control-Allow-Origin/);
});
