"""The organizing benchmark: every filter, sort and search of `GET /api/{user_id}/tasks` for a
user with 10,000 tasks in a database of 1,000,000 (100 users x 10,000), Leptodo only.

Tasks are seeded straight into SQLite with their priority, tags and due date but *not*
indexed (`indexed = 0`), and `leptodo-server migrate` writes their search words and tag rows
with the server's own code (`leptodo::tasks::reindex`), so this script never re-implements
the word rules. Each case is then timed as sequential requests over one keep-alive
connection: the p50 is the latency a person waits for that page.
"""

from __future__ import annotations

import http.client
import random
import sqlite3
import statistics
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

WORDS = ("water plants answer mail call bank book review invoice garden paint fence order "
         "groceries plan trip fix bike clean kitchen write report email team").split()
TAGS = ["home", "work", "errands", "garden", "bills", "health", "family", "later"]
TODAY = date(2026, 12, 1)

# (label, query string): the cases the README's table lists.
CASES = [
    ("newest first (plain)", ""),
    ("open only", "completed=false"),
    ("search, common word", "q=water"),
    ("search, rare word (one task)", "q=zanzibar"),
    ("search, two words", "q=water+pla"),
    ("priority=high", "priority=high"),
    ("priority=high&priority=low", "priority=high&priority=low"),
    ("tag=garden", "tag=garden"),
    ("tag=home&tag=work", "tag=home&tag=work"),
    ("due=overdue", f"due=overdue&today={TODAY}"),
    ("due=today", f"due=today&today={TODAY}"),
    ("due=week", f"due=week&today={TODAY}"),
    ("due=none", "due=none"),
    ("sort=due_date", "sort=due_date"),
    ("sort=due_date&order=desc", "sort=due_date&order=desc"),
    ("sort=priority", "sort=priority"),
    ("sort=priority&order=desc", "sort=priority&order=desc"),
    ("sort=title", "sort=title"),
    ("sort=title&order=desc", "sort=title&order=desc"),
    ("combined: q + tag + open + sort=due_date", "q=water&tag=home&completed=false&sort=due_date"),
]


def task_rows(users, start_stamp: str, rng: random.Random):
    for user in users:
        for j in range(user.task_count):
            words = rng.sample(WORDS, 3)
            if user is users[0] and j == 4321:
                words[0] = "zanzibar"
            title = " ".join(words).capitalize()
            tags = ",".join(rng.sample(TAGS, rng.choice([0, 1, 1, 2])))
            roll = rng.random()
            due = None if roll < 0.3 else (TODAY + timedelta(days=rng.randint(-60, 60))).isoformat()
            yield (
                user.first_task + j, user.id, title,
                f"Seeded description {j}" if j % 2 == 0 else None,
                1 if j % 3 == 0 else 0, rng.choice([1, 2, 2, 3]), tags, due, title.lower(),
                start_stamp, start_stamp,
            )


def seed(db_path: Path, users, insert_accounts, password_hash: str, stamp: str) -> None:
    with sqlite3.connect(db_path) as conn:
        insert_accounts(conn, users, password_hash, stamp)
        conn.executemany(
            "INSERT INTO tasks (id, user_id, title, description, completed, priority, tags, "
            "due_date, title_key, created_at, updated_at, indexed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            task_rows(users, stamp, random.Random(20261202)),
        )


def time_cases(base: str, user, samples: int) -> list[dict]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    headers = {"Authorization": f"Bearer {user.token}"}
    results = []
    for label, query in CASES:
        path = f"/api/{user.id}/tasks?{query}"
        times = []
        count = 0
        for i in range(samples + 5):
            began = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - began
            if response.status != 200:
                raise SystemExit(f"organize {label}: HTTP {response.status}: {body[:200]!r}")
            if i >= 5:  # the first few warm the caches
                times.append(elapsed * 1000)
            count = body.count(b'"id":')
        times.sort()
        results.append({
            "case": label, "query": query, "tasks": count,
            "p50_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1],
        })
    conn.close()
    return results


def run(server_bin: Path, make_users, start_server, insert_accounts, secret: str, workdir: Path, password_hash: str,
        stamp: str, log, users: int = 100, per_user: int = 10_000, samples: int = 200) -> dict:
    log(f"organize: seeding {users:,} users × {per_user:,} tasks")
    people = make_users(users, per_user, secret, random.Random(7))
    db = workdir / "organize.db"
    env = {"DATABASE_URL": f"sqlite://{db}", "BETTER_AUTH_SECRET": secret, "PATH": "/usr/bin:/bin"}
    subprocess.run([str(server_bin), "migrate"], check=True, capture_output=True, env=env)
    began = time.monotonic()
    seed(db, people, insert_accounts, password_hash, stamp)
    seeded = time.monotonic() - began
    log("organize: indexing (leptodo-server migrate)")
    began = time.monotonic()
    subprocess.run([str(server_bin), "migrate"], check=True, capture_output=True, env=env)
    indexed = time.monotonic() - began
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
        total = conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        words = conn.execute("SELECT COUNT(*) FROM task_words").fetchone()[0]
    server = start_server(db, secret, workdir, name="organize")
    try:
        cases = time_cases(server.base, people[0], samples)
    finally:
        server.stop()
    size = db.stat().st_size
    db.unlink()
    return {"tasks": total, "per_user": per_user, "word_rows": words, "db_bytes": size,
            "seed_s": seeded, "index_s": indexed, "samples": samples, "cases": cases}


def report(result: dict) -> list[str]:
    out = [
        f"\n## Organizing: filters, sorts, search ({result['per_user']:,} tasks for the user, "
        f"{result['tasks']:,} in the database)\n",
        f"SQLite, release build, {result['samples']} sequential requests per case over one "
        f"keep-alive connection. Indexing the {result['tasks']:,} seeded tasks "
        f"({result['word_rows']:,} word rows) took {result['index_s']:.0f} s; the file is "
        f"{result['db_bytes'] / 2**20:,.0f} MiB.\n",
        "| case | tasks on the page | p50 | p99 |",
        "|---|---:|---:|---:|",
    ]
    for case in result["cases"]:
        out.append(f"| {case['case']} | {case['tasks']} | {case['p50_ms']:.2f} ms | "
                   f"{case['p99_ms']:.2f} ms |")
    return out
