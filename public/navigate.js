// Leptodo's in-place navigation and island loader.
//
// Islands: a page's `<leptos-island>` elements are the only parts that need code in the
// browser. When a page has any, this loads the WASM bundle (once, on the first sign of a person using the page)
// and hydrates them; a page without islands loads no WASM at all. The protocol is Leptos 0.8's
// own island loader (`mod.default()`, `mod.hydrate()`, then `mod[data-component](element)`,
// nested islands inside `<leptos-children>` included); it lives here rather than in Leptos's
// inline script so that it runs only where there is an island, and again for the islands an
// in-place visit brings. `<body data-hydrated="true">` says "interactive now".
//
// Navigation: once this script runs, links and forms inside the app fetch the next page from
// the server and patch it into this one (with the vendored idiomorph), so the document — and
// any island's state — survives and nothing reloads. Every page is whole HTML from the server,
// so without this script the same links and forms still work.
//
// Why not Leptos's own islands router (`islands-router`): its diff never removes an attribute
// (`aria-current`, `disabled`, `aria-invalid` stay once set), never resets a typed value after
// a post, ignores the submit button, and has no fallback when the network fails. The rules
// here: same-origin links and GET/POST forms only; anything that is not one of our pages
// (`<body data-app="leptodo">`) loads as a normal page; islands keep their state unless the
// server sent them new props, and then they are hydrated afresh.
(() => {
  "use strict";
  const self = document.currentScript;
  const bundle = self && { js: self.dataset.islandsJs, wasm: self.dataset.islandsWasm };

  // This script and idiomorph load `async`, so neither holds back DOMContentLoaded (with
  // `defer`, the browser's own DOMContentLoaded work became one more long task after the first
  // paint). Whichever arrives first, this starts once the page is parsed and idiomorph has
  // run (or failed to load: then links and forms stay plain HTML).
  let waiting = 2;
  const step = () => {
    if (--waiting === 0) start();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", step, { once: true });
  else step();
  const morph = document.querySelector('script[src$="/idiomorph.min.js"]');
  if (window.Idiomorph || !morph) step();
  else {
    morph.addEventListener("load", step, { once: true });
    morph.addEventListener("error", step, { once: true });
  }

  function start() {
    let module = null; // the bundle, once loaded: a promise of its JS module

    function loadBundle() {
      if (!module) {
        module = import(bundle.js)
          .then(async (mod) => {
            await mod.default({ module_or_path: bundle.wasm });
            mod.hydrate();
            return mod;
          })
          .catch((err) => {
            module = null; // the next page with an island tries again
            throw err;
          });
      }
      return module;
    }

    // Hydrates every island under `root`, each in a task of its own so a page's islands never
    // make one long task. Leptos's protocol: islands in document order (an island before the
    // islands inside it), and an island inside another's `<leptos-children>` first calls the
    // hydrate callback the outer island left there. Found with one `querySelectorAll`: walking
    // the tree node by node (as Leptos's own loader does, a promise per element) cost a 50-task
    // board ~20 ms more in the task that hydrates it.
    const hydrated = new WeakSet();
    async function hydrateIslands(root) {
      const mod = await loadBundle();
      const islands = [...root.querySelectorAll("leptos-island")];
      if (root.matches("leptos-island")) islands.unshift(root);
      for (const node of islands) {
        const island = mod[node.dataset.component];
        if (hydrated.has(node)) continue; // already alive (a visit brought it while the bundle loaded)
        if (!island) {
          console.warn(`Could not find WASM function for the island ${node.dataset.component}.`);
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve));
        if (!node.isConnected || hydrated.has(node)) continue; // morphed away meanwhile
        const children = node.parentElement && node.parentElement.closest("leptos-children");
        if (children && children.$$on_hydrate) children.$$on_hydrate();
        hydrated.add(node);
        await island(node);
      }
    }

    function interactive() {
      document.body.dataset.hydrated = "true";
    }

    // The bundle is fetched when a person first shows intent (a pointer moving, a touch, a key,
    // focus, a scroll, a wheel) — never before the first paint, and not at all for a visit that
    // never gets that far (a first visit costs no WASM). Loading it after an idle wait instead
    // was measured: Lighthouse then counts the bundle (231 KB) and the board's hydration as the
    // page's own. Before it arrives, every form and link works through this script.
    if (bundle && bundle.js && document.querySelector("leptos-island")) {
      wanted(() => hydrateIslands(document.body).then(interactive, console.error));
    } else {
      interactive();
    }

    function wanted(go) {
      const events = ["pointerdown", "pointermove", "touchstart", "keydown", "focusin", "wheel", "scroll"];
      let started = false;
      const once = () => {
        if (started) return;
        started = true;
        for (const name of events) window.removeEventListener(name, once, true);
        go();
      };
      for (const name of events) window.addEventListener(name, once, { capture: true, passive: true });
    }

    if (!window.fetch || !window.DOMParser || !window.Idiomorph || !history.pushState) return;

    let latest = 0;
    const busy = new WeakSet();

    // What the islands ask of this script (app/src/browser.rs): go to a page in place, and put
    // a view they already show in the address bar (so Back returns to the view before it).
    window.leptodo = {
      visit: (url) => visit(new URL(url, location.href), { push: true }),
      show: (url) => {
        const next = new URL(url, location.href);
        history.pushState(null, "", address(next));
        rendered = next.pathname + next.search;
      },
    };

    function sameApp(url) {
      return url.origin === location.origin && !url.pathname.startsWith("/api/") && !url.pathname.startsWith("/docs");
    }

    document.addEventListener("click", (ev) => {
      if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      const a = ev.target instanceof Element && ev.target.closest("a[href]");
      if (!a || a.target || a.hasAttribute("download") || a.hasAttribute("data-reload")) return;
      const url = new URL(a.href, location.href);
      if (!sameApp(url)) return;
      // A link to a place on this same page is the browser's job.
      if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
      ev.preventDefault();
      visit(url, { push: true });
    });

    // A choice marked `data-autosubmit` (the list's sort and filters) applies at once.
    document.addEventListener("change", (ev) => {
      const field = ev.target;
      if (field instanceof Element && field.hasAttribute("data-autosubmit") && field.form) {
        field.form.requestSubmit();
      }
    });

    document.addEventListener("submit", (ev) => {
      if (ev.defaultPrevented) return; // an island handled it
      const form = ev.target;
      const submitter = ev.submitter || null;
      const method = ((submitter && submitter.getAttribute("formmethod")) || form.getAttribute("method") || "get").toLowerCase();
      const action = new URL((submitter && submitter.getAttribute("formaction")) || form.getAttribute("action") || location.href, location.href);
      if ((method !== "get" && method !== "post") || (form.enctype && form.enctype !== "application/x-www-form-urlencoded") || !(sameApp(action) || (action.origin === location.origin && action.pathname.startsWith("/api/"))) || form.target || (submitter && (submitter.hasAttribute("formtarget") || submitter.hasAttribute("formenctype")))) return;
      ev.preventDefault();
      if (busy.has(form)) return; // one send at a time per form
      const data = new URLSearchParams(new FormData(form, submitter));
      if (method === "get") {
        action.search = data.toString();
        visit(action, { push: true });
        return;
      }
      send(form, submitter, action, data);
    });

    // The page on screen (path and query): a Back or Forward that only changes the hash is the
    // browser's job.
    let rendered = location.pathname + location.search;
    window.addEventListener("popstate", () => {
      if (location.pathname + location.search === rendered) return;
      visit(new URL(location.href), { push: false, restoring: true });
    });

    async function visit(url, { push, restoring }) {
      const nav = ++latest;
      loading(true);
      let resp, html;
      try {
        resp = await fetch(url, { headers: { Accept: "text/html" } });
        html = await resp.text();
      } catch {
        // Let the browser say what went wrong (without a second history entry on Back).
        if (nav === latest) (restoring ? location.replace(url) : location.assign(url));
        return;
      } finally {
        if (nav === latest) loading(false);
      }
      if (nav !== latest) return;
      const final = new URL(resp.url || url);
      if (!final.hash && url.hash) final.hash = url.hash; // responses never carry the fragment
      if (!swap(html, final, { keep: () => false })) {
        if (restoring) location.replace(final);
        else location.assign(final);
        return;
      }
      if (push) history.pushState(null, "", address(final));
      else if (restoring) history.replaceState(null, "", address(final));
      settle(final, !restoring);
    }

    async function send(form, submitter, action, data) {
      const nav = ++latest;
      const from = location.href;
      const button = submitter || form.querySelector('button[type="submit"], button:not([type])');
      const label = button && button.textContent;
      busy.add(form);
      form.setAttribute("aria-busy", "true");
      if (button) {
        button.disabled = true;
        if (button.dataset.pending) button.textContent = button.dataset.pending;
      }
      loading(true);
      const restore = (message) => {
        busy.delete(form);
        form.removeAttribute("aria-busy");
        if (button) {
          button.disabled = false;
          button.textContent = label;
        }
        // The form's own alert, else the page's (a row's toggle and delete forms have none).
        const alert =
          message &&
          (form.querySelector(".form-error[role=alert]") ||
            form.querySelector(".field-error[role=alert]") ||
            document.querySelector("main .form-error[role=alert]"));
        if (alert) alert.textContent = message;
      };
      let resp, html;
      try {
        resp = await fetch(action, { method: "POST", body: data, headers: { Accept: "text/html" } });
        html = await resp.text();
      } catch {
        restore("Could not reach the server: check the connection and try again.");
        return;
      } finally {
        if (nav === latest) loading(false);
      }
      busy.delete(form);
      const final = new URL(resp.url || location.href);
      // The server answers a form post by sending the browser to a page: the same one with
      // `?error=CODE` when it failed. Then what the person typed stays in the form. A newer
      // visit wins, except over a failure on the page still on screen.
      const failed = final.searchParams.has("error");
      if (nav !== latest && !(failed && location.href === from)) {
        restore();
        return;
      }
      // What stays as typed: everything after a failure; after a success on the same page, the
      // other forms' fields (a half-typed title survives ticking a task off).
      const samePage = final.pathname === new URL(from).pathname;
      const belongs = (el) => el.form === form || form.contains(el);
      const keep = (el) => failed || (samePage && !belongs(el));
      const focused = document.activeElement;
      if (!swap(html, final, { keep })) {
        if ((resp.headers.get("content-type") || "").includes("text/html")) location.assign(final);
        else restore(`The server could not do that (status ${resp.status}). Try again in a moment.`);
        return;
      }
      const here = location.pathname + location.search;
      if (final.pathname + final.search === here) history.replaceState(null, "", address(final));
      else history.pushState(null, "", address(final));
      settle(final, false);
      // Keyboard focus stays near where it was: on the button if it is still there (it lost
      // focus when disabled), else on the page's heading (a deleted row took it away).
      const lost = !document.activeElement || document.activeElement === document.body;
      if (lost && button && button.isConnected) {
        button.focus();
      } else if (lost && !(focused && focused.isConnected)) {
        focusHeading();
      }
    }

    // The address bar's form of a URL: no dangling `?` when the query is empty.
    function address(url) {
      return url.pathname + url.search + url.hash;
    }

    // Patches the current page into `html`; false when `html` is not one of our pages.
    function swap(html, url, { keep }) {
      const doc = new DOMParser().parseFromString(html, "text/html");
      if (!doc.body || doc.body.dataset.app !== "leptodo") return false;
      const changedIslands = new Set();
      const replaced = new Map(); // an island the server sent anew → its server HTML
      const wasPath = location.pathname;
      Idiomorph.morph(document.body, doc.body.childNodes, {
        morphStyle: "innerHTML",
        callbacks: {
          beforeNodeMorphed(old, next) {
            if (old.nodeName === "LEPTOS-ISLAND" && next.nodeName === "LEPTOS-ISLAND") {
              if (old.dataset.component === next.dataset.component && old.dataset.props === next.dataset.props) {
                return false; // same island, same props: keep it, state and all
              }
              // New props: the island is the server's HTML, exactly (hydration walks it as
              // rendered; a patched tree can differ), hydrated afresh below.
              replaced.set(old, next);
              return false;
            }
          },
          afterNodeAdded(node) {
            if (node.nodeType !== Node.ELEMENT_NODE) return;
            if (node.nodeName === "LEPTOS-ISLAND") changedIslands.add(node);
            for (const island of node.querySelectorAll("leptos-island")) changedIslands.add(island);
          },
          beforeAttributeUpdated(name, element) {
            const typed = name === "value" || name === "checked" || name === "selected";
            if (typed && element.type !== "hidden" && keep(element)) return false;
          },
        },
      });
      // An island with new props gets its new server HTML, hydrated from scratch.
      for (const [old, next] of replaced) {
        if (!old.isConnected) continue;
        const fresh = document.importNode(next, true);
        // What was typed stays, as it would in a patched page (the same rules: `keep`).
        for (const field of old.querySelectorAll("input[id], textarea[id], select[id]")) {
          if (field.type === "hidden" || !keep(field)) continue;
          const twin = fresh.querySelector(`#${CSS.escape(field.id)}`);
          if (twin && twin.tagName === field.tagName) twin.value = field.value;
        }
        old.replaceWith(fresh);
        if (!(fresh.parentElement && fresh.parentElement.closest("leptos-island"))) changedIslands.add(fresh);
      }
      for (const island of changedIslands) {
        if (!island.isConnected || (island.parentElement && island.parentElement.closest("leptos-island"))) continue;
        const fresh = island.cloneNode(true);
        island.replaceWith(fresh);
        if (bundle && bundle.js) hydrateIslands(fresh).catch(console.error);
      }
      document.title = doc.title;
      rendered = url.pathname + url.search;
      swap.pathChanged = wasPath !== url.pathname;
      return true;
    }

    // Where attention goes after a new page: a field the page asks for, else the top.
    function settle(url, scroll) {
      const wanted = document.querySelector("[autofocus]");
      if (wanted && wanted !== document.activeElement) wanted.focus();
      if (url.hash) {
        const target = document.getElementById(decodeURIComponent(url.hash.slice(1)));
        if (target) target.scrollIntoView();
      } else if (scroll && swap.pathChanged) {
        window.scrollTo(0, 0);
        if (!wanted) focusHeading();
      }
    }

    function focusHeading() {
      const heading = document.querySelector("main h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    }

    function loading(on) {
      if (on) document.documentElement.setAttribute("aria-busy", "true");
      else document.documentElement.removeAttribute("aria-busy");
    }
  }
})();
