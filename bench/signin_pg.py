"""Sign-in at 1,000,000 users on Postgres: the email lookup must use an index.

A throwaway cluster (scripts/postgres) gets Leptodo's schema (`leptodo-server migrate`) and
1,000,000 users with a password each, written by Postgres itself (generate_series). Then
sequential sign-ins of random users over one keep-alive connection give the p50 a person
waits. Most of it is the argon2 check (~20 ms on these cores); the rest is finding the user.
The same is then measured with the index the schema had before (on `lower(email)` only, which
`WHERE email = $1` cannot use), to show what the index is worth.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PSQL = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))


def psql(url: str, sql: str) -> str:
    if not PSQL:
        raise SystemExit("psql is missing (scripts/postgres installs postgresql)")
    done = subprocess.run([str(PSQL[-1]), url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"psql failed: {done.stderr}")
    return done.stdout


def sign_ins(base: str, users: int, password: str, samples: int) -> dict:
    host = base.removeprefix("http://")
    conn = http.client.HTTPConnection(host, timeout=60)
    rng = random.Random(20261203)
    times = []
    for _ in range(samples):
        email = f"bench{rng.randrange(1, users + 1)}@example.com"
        body = json.dumps({"email": email, "password": password})
        started = time.perf_counter()
        conn.request("POST", "/api/auth/sign-in/email", body,
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"sign-in of {email} answered {response.status}")
    conn.close()
    times.sort()
    return {"samples": samples, "p50_ms": statistics.median(times),
            "p90_ms": times[int(len(times) * 0.9) - 1]}


def run(server_bin: Path, start_server, secret: str, workdir: Path, password_hash: str,
        password: str, log, users: int = 1_000_000, samples: int = 200) -> dict:
    state = workdir / "signin-pg"
    url = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", str(state)],
                         check=True, capture_output=True, text=True).stdout.strip()
    server = None
    try:
        psql(url, "CREATE DATABASE signin")
        db_url = url.rsplit("/", 1)[0] + "/signin"
        subprocess.run([str(server_bin), "migrate"], check=True, capture_output=True,
                       env={"DATABASE_URL": db_url, "BETTER_AUTH_SECRET": secret,
                            "PATH": "/usr/bin:/bin"})
        log(f"sign-in on Postgres: seeding {users:,} users")
        quoted = password_hash.replace("'", "''")
        psql(db_url, f"""
            INSERT INTO users (id, email, name, email_verified, created_at, updated_at)
              SELECT 'bench' || i, 'bench' || i || '@example.com', 'Bench user ' || i, false,
                     now(), now() FROM generate_series(1, {users}) AS i;
            INSERT INTO credentials (user_id, password_hash, created_at, updated_at)
              SELECT id, '{quoted}', now(), now() FROM users;""")
        for table in ("users", "credentials"):
            psql(db_url, f"VACUUM ANALYZE {table}")
        server = start_server(db_url, secret, workdir, name="signin-pg")
        sign_ins(server.base, users, password, 10)
        indexed = sign_ins(server.base, users, password, samples)
        log(f"  with the email index: p50 {indexed['p50_ms']:.1f} ms")
        psql(db_url, "DROP INDEX users_email_key; "
                     "CREATE UNIQUE INDEX users_email_unique ON users (lower(email)); "
                     "ANALYZE users;")
        before = sign_ins(server.base, users, password, max(20, samples // 4))
        log(f"  with the old lower(email) index only: p50 {before['p50_ms']:.1f} ms")
        return {"users": users, "indexed": indexed, "lower_email_only": before}
    finally:
        if server:
            server.stop()
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", str(state)],
                       capture_output=True)


def report(result: dict) -> list[str]:
    i, b = result["indexed"], result["lower_email_only"]
    return [
        f"### Sign-in on Postgres at {result['users']:,} users",
        "",
        "| email lookup | samples | p50 | p90 |",
        "|---|---:|---:|---:|",
        f"| index on `email` (this schema) | {i['samples']} | {i['p50_ms']:.1f} ms | "
        f"{i['p90_ms']:.1f} ms |",
        f"| index on `lower(email)` only (before) | {b['samples']} | {b['p50_ms']:.1f} ms | "
        f"{b['p90_ms']:.1f} ms |",
    ]
