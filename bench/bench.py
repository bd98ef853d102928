#!/usr/bin/env python3
"""Leptodo against the seed stack's FastAPI + PyJWT backend, on one machine, in one run.

Run it with `bench/run` (which builds the release server and installs wrk and this script's
Python packages first). It:

1. seeds the same users and tasks (default 1,000 users x 50 tasks) into a fresh SQLite file
   for each server — Leptodo's schema (migrated by `leptodo-server migrate`) and the
   reference's — with the same user ids, emails, password and task ids;
2. mints one HS256 JWT per user with PyJWT and the shared secret: both servers accept the same
   tokens, as the two stacks must;
3. starts the Leptodo release server and the reference (uvicorn, one worker per core, uvloop,
   httptools) on loopback, one at a time, and drives each with wrk: authenticated list (50
   tasks), create, toggle, sign-in, and list while sign-in is flooded; it samples each
   server's resident memory (the whole process tree for uvicorn) every 100 ms;
4. measures Leptodo's front end: first-load transfer of the sign-in page and the dashboard
   (raw, gzip, brotli, and what the server actually sends), and server-side rendering time of
   the dashboard with 50 tasks;
5. measures the scale curve: list latency with 1 k, 100 k and 1 M tasks in the database;
6. prints one Markdown report (and writes it, with the raw numbers as JSON, to
   target/bench/).

Every request must succeed: a run with any error or non-2xx answer fails the benchmark.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import argon2
import brotli
import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))
import better_auth_password  # noqa: E402  (the reference's own scheme, shared, not copied)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import floor  # noqa: E402  (Leptodo ÷ floor, and the Postgres rows)
import organize  # noqa: E402  (the filters/sorts/search rows)
import signin_pg as signin_pg_bench  # noqa: E402  (sign-in at 1,000,000 users on Postgres)

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SERVER_BIN = ROOT / "target" / "release" / "leptodo-server"
SITE_ROOT = ROOT / "target" / "site"
PASSWORD = "bench-password-2026"
TOKEN_LIFETIME = timedelta(days=7)


# ---------------------------------------------------------------------------------------------
# Seeding


@dataclass
class User:
    id: str
    email: str
    token: str
    first_task: int
    task_count: int


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds: what both servers write."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_users(count: int, tasks_each: int, secret: str, rng: random.Random) -> list[User]:
    now = datetime.now(timezone.utc)
    users = []
    for i in range(count):
        user_id = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=32))
        email = f"bench{i}@example.com"
        token = jwt.encode(
            {
                "sub": user_id,
                "email": email,
                "iat": int(now.timestamp()),
                "exp": int((now + TOKEN_LIFETIME).timestamp()),
            },
            secret,
            algorithm="HS256",
        )
        users.append(User(user_id, email, token, i * tasks_each + 1, tasks_each))
    return users


def task_rows(users: list[User], start: datetime):
    """The same tasks for both schemas: ids, titles, a description on every other one, one in
    three completed, created a minute apart."""
    for user in users:
        for j in range(user.task_count):
            task_id = user.first_task + j
            stamp = timestamp(start + timedelta(minutes=task_id))
            yield (
                task_id,
                user.id,
                f"Task {j + 1}: water the plants and answer the mail",
                f"Seeded description number {j + 1}" if j % 2 == 0 else None,
                1 if j % 3 == 0 else 0,
                stamp,
                stamp,
            )


SEED_START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def insert_tasks(conn: sqlite3.Connection, users: list[User], start: datetime) -> None:
    """The tasks table has the same columns in both schemas."""
    conn.executemany(
        "INSERT INTO tasks (id, user_id, title, description, completed, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        task_rows(users, start),
    )


def checkpoint(db_path: Path) -> None:
    """Folds the WAL into the file and gathers statistics, so both servers start alike."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")


def insert_accounts(conn: sqlite3.Connection, users: list[User], password_hash: str,
                    stamp: str) -> None:
    """Leptodo's users and their passwords (every seeder's accounts)."""
    conn.executemany(
        "INSERT INTO users (id, email, name, email_verified, created_at, updated_at) "
        "VALUES (?, ?, ?, 0, ?, ?)",
        ((u.id, u.email, f"Bench user {n}", stamp, stamp) for n, u in enumerate(users)),
    )
    conn.executemany(
        "INSERT INTO credentials (user_id, password_hash, created_at, updated_at) "
        "VALUES (?, ?, ?, ?)",
        ((u.id, password_hash, stamp, stamp) for u in users),
    )


def seed_leptodo(db_path: Path, users: list[User], password_hash: str) -> None:
    start = SEED_START
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        insert_accounts(conn, users, password_hash, timestamp(start))
        insert_tasks(conn, users, start)
    checkpoint(db_path)


def seed_reference(db_path: Path, users: list[User], password_hash: str, schema: str) -> None:
    start = SEED_START
    stamp = timestamp(start)
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(schema)
        conn.executemany(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((u.id, u.email, f"Bench user {n}", password_hash, stamp, stamp)
             for n, u in enumerate(users)),
        )
        insert_tasks(conn, users, start)
    checkpoint(db_path)


def reference_schema() -> str:
    source = (BENCH / "reference" / "app.py").read_text()
    return re.search(r'SCHEMA = """(.*?)"""', source, re.S).group(1)


# ---------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode}; its log:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    sys.exit(f"{base}/healthz did not answer 200 within {timeout:.0f} s; log:\n{log.read_text()}")


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (uvicorn's workers are child processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of one process. VmRSS counts every mapped page, including the kernel's
    page cache of a memory-mapped file once per mapping; RssAnon is the process's own memory."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


MEMORY = {"rss": "VmRSS", "anon": "RssAnon"}


class Server:
    """A server process on loopback, with its log in a file and its memory sampled."""

    def __init__(self, name: str, argv: list[str], env: dict, cwd: Path, workdir: Path):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"{name}.log"
        self.peak_kib = {kind: 0 for kind in MEMORY}
        self.peak_before_signin_kib: dict[str, int] = {}
        self._stop = threading.Event()
        full_env = {**os.environ, **env}
        argv = [a.replace("{port}", str(self.port)) for a in argv]
        full_env = {k: v.replace("{port}", str(self.port)) for k, v in full_env.items()}
        self._log_file = open(self.log, "w")
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=full_env, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_healthy(self.base, self.proc, self.log)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            tree = process_tree(self.proc.pid)
            for kind, field in MEMORY.items():
                total = sum(rss_kib(p, field) for p in tree)
                self.peak_kib[kind] = max(self.peak_kib[kind], total)

    def rss_now_kib(self) -> int:
        return sum(rss_kib(p) for p in process_tree(self.proc.pid))

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self._log_file.close()


def start_leptodo(db: Path | str, secret: str, workdir: Path, name: str = "leptodo") -> Server:
    """Leptodo on a SQLite file (a path) or a database URL."""
    return Server(
        name,
        [str(SERVER_BIN), "serve"],
        {
            "DATABASE_URL": db if isinstance(db, str) else f"sqlite://{db}",
            "LEPTOS_SITE_ADDR": "127.0.0.1:{port}",
            "LEPTOS_SITE_ROOT": str(SITE_ROOT),
            "BETTER_AUTH_SECRET": secret,
            "BETTER_AUTH_URL": "http://127.0.0.1:{port}",
            # The benchmark signs in thousands of times a second from one address on purpose.
            "AUTH_RATE_LIMIT_IP": "off",
            "AUTH_RATE_LIMIT_ACCOUNT": "off",
            # The write rows measure the machine's speed, not the quotas: a handful of users
            # create ~12,000 tasks a second, far past both per-user limits.
            "TASK_WRITE_RATE_LIMIT": "off",
            "MAX_TASKS_PER_USER": "0",
            "RUST_LOG": "warn",
        },
        ROOT,
        workdir,
    )


def start_reference(db_path: Path, secret: str, workdir: Path, workers: int) -> Server:
    return Server(
        "reference",
        [
            sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", "{port}",
            "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning",
        ],
        {"BETTER_AUTH_SECRET": secret, "REFERENCE_DB": str(db_path)},
        BENCH / "reference",
        workdir,
    )


# ---------------------------------------------------------------------------------------------
# Load


@dataclass
class Result:
    scenario: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    extra: dict = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Load:
    def __init__(self, users_file: Path, duration: int, threads: int):
        self.users_file = users_file
        self.duration = duration
        self.threads = threads

    def start(self, base: str, scenario: str, connections: int, duration: int | None = None,
              cookie: str = "", query: str = "") -> subprocess.Popen:
        env = {
            **os.environ,
            "BENCH_SCENARIO": scenario,
            "BENCH_QUERY": query,
            "BENCH_USERS": str(self.users_file),
            "BENCH_PASSWORD": PASSWORD,
            "BENCH_COOKIE": cookie,
        }
        return subprocess.Popen(
            [
                "wrk", "-t", str(min(self.threads, connections)), "-c", str(connections),
                "-d", f"{duration or self.duration}s", "--timeout", "10s",
                "-s", str(BENCH / "wrk" / "scenario.lua"), base,
            ],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )

    @staticmethod
    def finish(proc: subprocess.Popen, scenario: str, connections: int) -> Result:
        out, _ = proc.communicate()
        line = next((l for l in out.splitlines() if l.startswith("BENCH ")), None)
        if proc.returncode != 0 or line is None:
            sys.exit(f"wrk failed ({scenario}):\n{out}")
        data = json.loads(line[len("BENCH "):])
        errors = sum(data[k] for k in
                     ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
        return Result(
            scenario, connections, data["requests"], data["duration_us"] / 1e6,
            data["p50_us"] / 1000, data["p99_us"] / 1000, errors, data,
        )

    def run(self, base: str, scenario: str, connections: int, duration: int | None = None,
            cookie: str = "", query: str = "") -> Result:
        return self.finish(self.start(base, scenario, connections, duration, cookie, query),
                           scenario, connections)


def measure_server(server: Server, load: Load, connections: int, signin_connections: int,
                   log) -> dict[str, Result]:
    results: dict[str, Result] = {}
    log(f"  {server.name}: warming up")
    load.run(server.base, "list", connections, duration=2)
    for scenario in ("list", "create", "toggle"):
        log(f"  {server.name}: {scenario}, {connections} connections, {load.duration} s")
        results[scenario] = load.run(server.base, scenario, connections)
    server.peak_before_signin_kib = dict(server.peak_kib)
    log(f"  {server.name}: sign-in, {signin_connections} connections, {load.duration} s")
    results["signin"] = load.run(server.base, "signin", signin_connections)
    # The API while sign-in is flooded: password hashing must not starve the other requests.
    log(f"  {server.name}: list (8 connections) during a sign-in flood ({signin_connections})")
    flood = load.start(server.base, "signin", signin_connections, duration=load.duration + 2)
    time.sleep(1)
    results["list_during_signin"] = load.run(server.base, "list", 8)
    results["signin_flood"] = load.finish(flood, "signin", signin_connections)
    return results


def check(results: dict[str, Result], name: str) -> list[str]:
    return [f"{name} {r.scenario} ({r.connections} connections): {r.errors} errors"
            for r in results.values() if r.errors]


# ---------------------------------------------------------------------------------------------
# Front end


def fetch(url: str, headers: dict | None = None) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read(), {k.lower(): v for k, v in answer.headers.items()}


def sign_in_cookie(base: str, email: str) -> str:
    body = json.dumps({"email": email, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        base + "/api/auth/sign-in/email", data=body, method="POST",
        headers={"Content-Type": "application/json", "Origin": base},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        cookies = answer.headers.get_all("Set-Cookie") or []
    return "; ".join(c.split(";", 1)[0] for c in cookies)


def front_end(base: str, cookie: str) -> dict:
    """What a first visit transfers: the page's HTML and every script, style, WASM module and
    icon it loads from our origin (the /pkg bundle and the site-root scripts)."""
    pages = {}
    for page, path, headers in (("sign-in page", "/sign-in", {}),
                                ("dashboard, 50 tasks", "/", {"Cookie": cookie}),
                                ("status page (the one island)", "/status", {})):
        html, _ = fetch(base + path, headers)
        text = html.decode()
        # What the browser fetches: linked styles and icons, scripts, and — only on a page with
        # an island — the WASM bundle and its JS glue that navigate.js loads.
        assets = set(re.findall(r'<(?:link|script)\b[^>]*?(?:src|href)="(/[^"/][^"]*)"', text))
        if "<leptos-island" in text:
            assets |= set(re.findall(r'data-islands-(?:js|wasm)="(/[^"]+)"', text))
        assets = sorted(assets)
        served, served_headers = fetch(base + path, {**headers, "Accept-Encoding": "br, gzip"})
        rows = [("HTML " + path, html, {"served_bytes": len(served), **served_headers})]
        for asset in assets:
            raw, _ = fetch(base + asset)
            served, served_headers = fetch(base + asset, {"Accept-Encoding": "br, gzip"})
            rows.append((asset, raw, {"served_bytes": len(served), **served_headers}))
        pages[page] = [
            {
                "file": name,
                "raw": len(raw),
                "gzip": len(gzip.compress(raw, 9)),
                "brotli": len(brotli.compress(raw, quality=11)),
                "served_bytes": info.get("served_bytes", len(raw)),
                "content_encoding": info.get("content-encoding", ""),
                "cache_control": info.get("cache-control", ""),
            }
            for name, raw, info in rows
        ]
    return pages


def ssr_time(base: str, cookie: str, samples: int = 101) -> dict:
    """Sequential dashboard renders, one at a time (server time plus loopback)."""
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        fetch(base + "/", {"Cookie": cookie})
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": times[len(times) // 2], "p90_ms": times[int(len(times) * 0.9)],
            "samples": samples}


# ---------------------------------------------------------------------------------------------
# Report


def fmt_ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "—"


def report(args, machine: str, lep: dict, ref: dict, rss: dict, fe: dict, ssr: dict,
           page_rps: Result | None, scale: list[dict], elapsed: float) -> str:
    out = []
    out.append(f"# Leptodo vs the seed stack's FastAPI backend — {time.strftime('%Y-%m-%d')}\n")
    out.append(f"Machine: {machine}. Both servers on loopback, one at a time, same data "
               f"({args.users:,} users × {args.tasks:,} tasks, SQLite WAL, synchronous=FULL), "
               f"driven by wrk ({args.threads} threads) on the same cores; {args.duration} s "
               "per row. Reference: uvicorn, "
               f"{args.workers} workers, uvloop + httptools. Total run {elapsed / 60:.1f} min.\n")
    out.append("| scenario | Leptodo req/s | p50 ms | p99 ms | reference req/s | p50 ms | p99 ms "
               "| req/s ratio |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    labels = {
        "list": f"list 50 tasks ({args.connections} conns)",
        "create": f"create ({args.connections} conns)",
        "toggle": f"toggle ({args.connections} conns)",
        "signin": f"sign-in ({args.signin_connections} conns)",
        "list_during_signin": f"list (8 conns) during a sign-in flood",
    }
    for key, label in labels.items():
        a, b = lep[key], ref[key]
        out.append(f"| {label} | {a.rps:,.0f} | {fmt_ms(a.p50_ms)} | {fmt_ms(a.p99_ms)} | "
                   f"{b.rps:,.0f} | {fmt_ms(b.p50_ms)} | {fmt_ms(b.p99_ms)} | "
                   f"{ratio(a.rps, b.rps)} |")
    memory_rows = [
        ("api", "anon", "peak private memory (RssAnon), MiB, task API rows"),
        ("all", "anon", "peak private memory (RssAnon), MiB, whole run"),
        ("api", "rss", "peak RSS, MiB, task API rows"),
        ("all", "rss", "peak RSS, MiB, whole run"),
    ]
    for phase, kind, label in memory_rows:
        a, b = rss["leptodo"][phase][kind], rss["reference"][phase][kind]
        out.append(f"| {label} | {a / 1024:.1f} | | | {b / 1024:.1f} | | | "
                   f"{a / max(b, 1):.2f}× |")
    out.append("")
    out.append("Sign-in hashes: Leptodo argon2id (19 MiB, t=2, p=1, OWASP); the reference "
               "Better Auth's scrypt (N=16384, r=16, p=1). The sign-in rows are each stack's "
               "own choice, not the same work.\n")
    out.append("Memory is summed over each server's process tree, sampled every 100 ms. RSS "
               "counts the pages of a memory-mapped file once per mapping: Leptodo's SQLite "
               "connections map the database (the kernel's page cache, shared), so its RSS "
               "grows with the database and the number of connections. RssAnon is each "
               "process's own memory. \"Task API rows\" is the peak before the sign-in rows "
               "(whose password hashes take 19 MiB each in Leptodo).\n")
    out.append("## Front end (Leptodo release build)\n")
    for page, rows in fe.items():
        out.append(f"**{page}**\n")
        out.append("| file | raw B | gzip -9 B | brotli -11 B | served B | Content-Encoding | "
                   "Cache-Control |")
        out.append("|---|---:|---:|---:|---:|---|---|")
        for r in rows:
            out.append(f"| {r['file']} | {r['raw']:,} | {r['gzip']:,} | {r['brotli']:,} | "
                       f"{r['served_bytes']:,} | {r['content_encoding'] or '—'} | "
                       f"{r['cache_control'] or '—'} |")
        total = {k: sum(r[k] for r in rows) for k in ("raw", "gzip", "brotli", "served_bytes")}
        out.append(f"| **total** | {total['raw']:,} | {total['gzip']:,} | {total['brotli']:,} | "
                   f"{total['served_bytes']:,} | | |")
        out.append("")
    out.append(f"Dashboard SSR with 50 tasks, one request at a time: p50 {ssr['p50_ms']:.2f} ms, "
               f"p90 {ssr['p90_ms']:.2f} ms ({ssr['samples']} requests)"
               + (f"; {page_rps.rps:,.0f} pages/s at 8 connections (p99 "
                  f"{fmt_ms(page_rps.p99_ms)} ms)." if page_rps else ".") + "\n")
    if scale:
        out.append("## Scale curve (Leptodo, list 50 tasks, "
                   f"{args.connections} connections, {args.scale_duration} s each)\n")
        out.append("| tasks in the database | req/s | p50 ms | p99 ms | p50 vs the smallest |")
        out.append("|---:|---:|---:|---:|---:|")
        base_p50 = scale[0]["p50_ms"]
        for row in scale:
            out.append(f"| {row['tasks']:,} | {row['rps']:,.0f} | {fmt_ms(row['p50_ms'])} | "
                       f"{fmt_ms(row['p99_ms'])} | {row['p50_ms'] / base_p50:.2f}× |")
        out.append("")
    return "\n".join(out)


def machine_description() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB, {platform.system()} {platform.release()}"


# ---------------------------------------------------------------------------------------------


def write_part(out: Path, name: str, result, report_of, workdir: Path) -> None:
    """Prints and writes the report of a run of one part alone (`--only organize`, …)."""
    text = "\n".join(report_of(result)) if result else "nothing to run"
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(text + "\n")
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=50, help="tasks per user")
    parser.add_argument("--duration", type=int, default=10, help="seconds per load row")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--signin-connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="uvicorn workers for the reference")
    parser.add_argument("--scale", default="1000,100000,1000000",
                        help="task counts for the scale curve ('' to skip)")
    parser.add_argument("--scale-duration", type=int, default=10)
    parser.add_argument("--only",
                        choices=["leptodo", "compare", "organize", "signin-pg", "floor"],
                        default="compare",
                        help="'leptodo' skips the reference (for profiling); 'organize' runs "
                             "only the filters/sorts/search rows; 'signin-pg' only the "
                             "Postgres sign-in at --signin-pg-users; 'floor' only the list "
                             "rows against the floor server (bench/floor)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite",
                        help="'postgres': the same users and tasks on a throwaway cluster, "
                             "one and two Leptodo instances, and the floor on Postgres "
                             "(only those rows)")
    parser.add_argument("--organize-users", type=int, default=100,
                        help="users x 10,000 tasks for the organizing rows (0 to skip)")
    parser.add_argument("--signin-pg-users", type=int, default=1_000_000,
                        help="users for the Postgres sign-in rows (0 to skip)")
    parser.add_argument("--floor-rounds", type=int, default=3,
                        help="rounds of Leptodo and the floor back to back per list row")
    parser.add_argument("--out", type=Path, default=ROOT / "target" / "bench")
    args = parser.parse_args()

    if not SERVER_BIN.exists():
        sys.exit(f"{SERVER_BIN} is missing: run `cargo leptos build --release` (bench/run does)")
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `apt-get install wrk` (bench/run does)")

    began = time.monotonic()
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    secret = secrets.token_hex(32)
    rng = random.Random(20261124)
    workdir = Path(tempfile.mkdtemp(prefix="leptodo-bench-"))
    servers: list[Server] = []
    argon = argon2.PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1,
                                  hash_len=32, salt_len=16, type=argon2.Type.ID)
    signin_pg = None
    this = sys.modules[__name__]  # for floor.py: the servers, the load, the seed
    if args.backend == "postgres" or args.only == "floor":
        args.organize_users = 0
        args.signin_pg_users = 0
    if args.signin_pg_users > 0 and args.only in ("compare", "signin-pg"):
        signin_pg = signin_pg_bench.run(SERVER_BIN, start_leptodo, secret, workdir,
                                        argon.hash(PASSWORD), PASSWORD, log,
                                        users=args.signin_pg_users)
    if args.only == "signin-pg":
        write_part(args.out, "signin-pg", signin_pg, signin_pg_bench.report, workdir)
        return
    organized = None
    if args.organize_users > 0:
        organized = organize.run(SERVER_BIN, make_users, start_leptodo, insert_accounts, secret,
                                 workdir, argon.hash(PASSWORD), timestamp(SEED_START), log,
                                 users=args.organize_users)
    if args.only == "organize":
        write_part(args.out, "organize", organized, organize.report, workdir)
        return
    try:
        log(f"seeding {args.users:,} users × {args.tasks} tasks into two databases ({workdir})")
        users = make_users(args.users, args.tasks, secret, rng)
        users_file = workdir / "users.tsv"
        users_file.write_text("".join(
            f"{u.id}\t{u.token}\t{u.email}\t{u.first_task}\t{u.task_count}\n" for u in users))
        if args.backend == "postgres":
            result = floor.run_postgres(this, users, users_file, secret, argon.hash(PASSWORD),
                                        args, workdir, log)
            write_part(args.out, "postgres", result, floor.report_postgres, workdir)
            return
        lep_db = workdir / "leptodo.db"
        migrate = [str(SERVER_BIN), "migrate"]
        migrate_env = {**os.environ, "DATABASE_URL": f"sqlite://{lep_db}",
                       "BETTER_AUTH_SECRET": secret}
        done = subprocess.run(migrate, env=migrate_env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"leptodo-server migrate failed:\n{done.stdout}{done.stderr}")
        seed_leptodo(lep_db, users, argon.hash(PASSWORD))
        # Indexes the seeded tasks' search words (leptodo::tasks::reindex) for the q= row.
        subprocess.run(migrate, env=migrate_env, check=True, capture_output=True)
        checkpoint(lep_db)
        if args.only == "floor":
            load = Load(users_file, args.duration, args.threads)
            result = floor.run_sqlite(this, lep_db, secret, load, args.connections, workdir, log,
                                      rounds=args.floor_rounds)
            write_part(args.out, "floor", result, floor.report_sqlite, workdir)
            return

        load = Load(users_file, args.duration, args.threads)
        rss = {}
        log("Leptodo (release)")
        lep_server = start_leptodo(lep_db, secret, workdir)
        servers.append(lep_server)
        lep = measure_server(lep_server, load, args.connections, args.signin_connections, log)
        cookie = sign_in_cookie(lep_server.base, users[0].email)
        if "session" not in cookie:
            sys.exit(f"signing in to Leptodo gave no session cookie: {cookie!r}")
        log("  front end: first-load transfer and dashboard SSR")
        fe = front_end(lep_server.base, cookie)
        ssr = ssr_time(lep_server.base, cookie)
        page_rps = load.run(lep_server.base, "page", 8, cookie=cookie)
        lep["page"] = page_rps
        rss["leptodo"] = {"all": lep_server.peak_kib, "api": lep_server.peak_before_signin_kib}
        lep_server.stop()
        servers.remove(lep_server)

        ref: dict[str, Result] = {}
        if args.only == "compare":
            log(f"reference (FastAPI + PyJWT, uvicorn × {args.workers})")
            ref_db = workdir / "reference.db"
            seed_reference(ref_db, users, better_auth_password.hash_password(PASSWORD),
                           reference_schema())
            ref_server = start_reference(ref_db, secret, workdir, args.workers)
            servers.append(ref_server)
            ref = measure_server(ref_server, load, args.connections, args.signin_connections, log)
            rss["reference"] = {"all": ref_server.peak_kib,
                                "api": ref_server.peak_before_signin_kib}
            ref_server.stop()
            servers.remove(ref_server)

        log("Leptodo ÷ floor (bench/floor), list rows")
        floor_rows = floor.run_sqlite(this, lep_db, secret, load, args.connections, workdir,
                                      log, rounds=args.floor_rounds)

        scale = []
        for total in [int(n) for n in args.scale.split(",") if n.strip()]:
            per_user = args.tasks
            count = max(1, total // per_user)
            log(f"scale: {total:,} tasks ({count:,} users × {per_user})")
            scale_users = make_users(count, per_user, secret, random.Random(total))
            scale_file = workdir / f"scale-{total}.tsv"
            scale_file.write_text("".join(
                f"{u.id}\t{u.token}\t{u.email}\t{u.first_task}\t{u.task_count}\n"
                for u in scale_users[:1000]))
            db = workdir / f"scale-{total}.db"
            subprocess.run([str(SERVER_BIN), "migrate"], check=True, capture_output=True,
                           env={**os.environ, "DATABASE_URL": f"sqlite://{db}",
                                "BETTER_AUTH_SECRET": secret})
            seed_leptodo(db, scale_users, argon.hash(PASSWORD))
            server = start_leptodo(db, secret, workdir, name=f"scale-{total}")
            servers.append(server)
            scale_load = Load(scale_file, args.scale_duration, args.threads)
            scale_load.run(server.base, "list", args.connections, duration=2)
            r = scale_load.run(server.base, "list", args.connections)
            if r.errors:
                sys.exit(f"scale {total}: {r.errors} errors")
            scale.append({"tasks": count * per_user, "rps": r.rps, "p50_ms": r.p50_ms,
                          "p99_ms": r.p99_ms})
            server.stop()
            servers.remove(server)
            db.unlink()

        failures = check(lep, "Leptodo") + check(ref, "reference")
        if args.only == "leptodo":
            ref = {k: Result(k, v.connections, 0, 1, 0, 0, 0) for k, v in lep.items()}
            rss["reference"] = {"all": {k: 1 for k in MEMORY}, "api": {k: 1 for k in MEMORY}}
        text = report(args, machine_description(), lep, ref, rss, fe, ssr, page_rps, scale,
                      time.monotonic() - began)
        text += "\n" + "\n".join(floor.report_sqlite(floor_rows)) + "\n"
        if organized:
            text += "\n" + "\n".join(organize.report(organized))
        if signin_pg:
            text += "\n\n" + "\n".join(signin_pg_bench.report(signin_pg))
        print(text)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.md").write_text(text + "\n")
        (args.out / "results.json").write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d"), "machine": machine_description(),
            "args": {k: str(v) for k, v in vars(args).items()},
            "leptodo": {k: vars(v) | {"rps": v.rps} for k, v in lep.items()},
            "reference": {k: vars(v) | {"rps": v.rps} for k, v in ref.items()},
            "peak_rss_kib": rss, "front_end": fe, "ssr": ssr, "scale": scale,
            "organize": organized, "signin_pg": signin_pg, "floor": floor_rows,
        }, indent=2) + "\n")
        log(f"written: {args.out / 'report.md'}, {args.out / 'results.json'}")
        if failures:
            sys.exit("requests failed:\n" + "\n".join(failures))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
