"""Leptodo against its floor, and Leptodo on Postgres.

The floor (bench/floor, `leptodo-floor`) is the least work that answers the task list: parse
the Bearer token, verify HS256, one indexed statement, serde_json — no middleware. Each list
row (plain, filtered, searched, sorted) runs against Leptodo and then against the floor on
the same database file with the same tokens, so Leptodo ÷ floor says how much of the
machine's speed the product's own layers cost.

`--backend postgres` runs the same users and tasks on a throwaway cluster (scripts/postgres):
list, create, toggle and sign-in on one Leptodo instance and on two instances sharing the
database (wrk split over both), and the floor on Postgres, so the table shows whether the
database, the pool or the instance is what limits.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
FLOOR_BIN = ROOT / "target" / "release" / "leptodo-floor"

# (label, query string) of the list rows; every row lists a page of 50 of the user's tasks.
LIST_ROWS = [
    ("plain (newest first)", ""),
    ("filtered (completed=false)", "completed=false"),
    ("searched (q=water)", "q=water"),
    ("sorted (sort=due_date)", "sort=due_date"),
]


def start_floor(b, db_url: str, secret: str, workdir: Path, name: str = "floor"):
    if not FLOOR_BIN.exists():
        raise SystemExit(f"{FLOOR_BIN} is missing: `cargo build --release -p leptodo-floor` "
                         "(bench/run does)")
    return b.Server(name, [str(FLOOR_BIN), "--database-url", db_url, "--addr",
                           "127.0.0.1:{port}"],
                    {"BETTER_AUTH_SECRET": secret}, ROOT, workdir)


def list_rows(load, base: str, connections: int, log, name: str) -> dict:
    load.run(base, "list", connections, duration=2)
    rows = {}
    for label, query in LIST_ROWS:
        log(f"  {name}: list {label}, {connections} connections, {load.duration} s")
        r = load.run(base, "list", connections, query=query)
        if r.errors:
            raise SystemExit(f"{name} list {label}: {r.errors} errors")
        rows[label] = r
    return rows


def run_sqlite(b, db: Path, secret: str, load, connections: int, workdir: Path, log,
               rounds: int = 3) -> dict:
    """Leptodo's list rows against the floor's on the same (indexed) SQLite file.

    Both servers stay up; each row runs `rounds` times, Leptodo and the floor back to back
    (the order swapped every round), so a machine that speeds up or slows down during the run
    moves both sides of each ratio alike. A row's ratio is the median of its rounds' ratios."""
    lep = b.start_leptodo(db, secret, workdir, name="leptodo-floor-rows")
    low = None
    try:
        low = start_floor(b, f"sqlite://{db}", secret, workdir)
        sides = {"Leptodo": lep.base, "floor": low.base}
        for name, base in sides.items():
            log(f"  {name}: warming up")
            load.run(base, "list", connections, duration=2)
        rows = []
        for label, query in LIST_ROWS:
            runs = {name: [] for name in sides}
            for n in range(rounds):
                order = list(sides) if n % 2 == 0 else list(reversed(sides))
                for name in order:
                    log(f"  list {label}, round {n + 1}/{rounds}: {name}, "
                        f"{connections} connections, {load.duration} s")
                    r = load.run(sides[name], "list", connections, query=query)
                    if r.errors:
                        raise SystemExit(f"{name} list {label}: {r.errors} errors")
                    runs[name].append(r)
            rows.append(row(label, runs["Leptodo"], runs["floor"]))
        low.stop()
        low = None
        log(f"  Leptodo: create, {connections} connections, {load.duration} s")
        create = load.run(lep.base, "create", connections)
    finally:
        lep.stop()
        if low is not None:
            low.stop()
    return {"backend": "sqlite", "connections": connections, "duration": load.duration,
            "rounds": rounds, "rows": rows, "create": vars(create) | {"rps": create.rps}}


def row(label: str, lep: list, low: list) -> dict:
    return {"row": label,
            "leptodo_rps": median([r.rps for r in lep]),
            "leptodo_p99_ms": median([r.p99_ms for r in lep]),
            "floor_rps": median([r.rps for r in low]),
            "floor_p99_ms": median([r.p99_ms for r in low]),
            "ratio": median([a.rps / f.rps for a, f in zip(lep, low) if f.rps]),
            "ratios": [round(a.rps / f.rps, 3) for a, f in zip(lep, low) if f.rps]}


def report_sqlite(result: dict) -> list[str]:
    out = [
        f"## Leptodo ÷ floor, SQLite ({result['connections']} connections, "
        f"{result['duration']} s per row)\n",
        "The floor is bench/floor: Bearer + HS256 + the same statement + serde_json, "
        "rusqlite on the calling thread, no middleware. Same database file and tokens; both "
        f"servers up, each row {result.get('rounds', 1)} rounds of Leptodo and the floor back "
        "to back (order swapped each round); medians, and the median of the rounds' ratios.\n",
        "| list row | Leptodo req/s | p99 ms | floor req/s | p99 ms | Leptodo ÷ floor | rounds |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in result["rows"]:
        out.append(f"| {r['row']} | {r['leptodo_rps']:,.0f} | {r['leptodo_p99_ms']:.1f} | "
                   f"{r['floor_rps']:,.0f} | {r['floor_p99_ms']:.1f} | {r['ratio']:.2f} | "
                   f"{' '.join(f'{x:.2f}' for x in r.get('ratios', []))} |")
    c = result["create"]
    out.append(f"\nCreate in the same run: {c['rps']:,.0f} req/s, p99 {c['p99_ms']:.1f} ms.")
    return out


# ---------------------------------------------------------------------------------------------
# Postgres


def seed_postgres(b, url: str, users, password_hash: str, workdir: Path) -> None:
    """The SQLite seed's users and tasks (same ids, titles, timestamps), by COPY."""
    psql = b.signin_pg_bench.psql
    stamp = b.timestamp(b.SEED_START)
    users_tsv, tasks_tsv = workdir / "pg-users.tsv", workdir / "pg-tasks.tsv"
    users_tsv.write_text("".join(f"{u.id}\t{u.email}\tBench user {n}\t{password_hash}\n"
                                 for n, u in enumerate(users)))
    with tasks_tsv.open("w") as out:
        for (task_id, user_id, title, description, completed, created, updated) in \
                b.task_rows(users, b.SEED_START):
            desc = description if description is not None else "\\N"
            out.write(f"{task_id}\t{user_id}\t{title}\t{desc}\t{'t' if completed else 'f'}\t"
                      f"{created}\t{updated}\n")
    for path in (users_tsv, tasks_tsv):
        path.chmod(0o644)
    script = workdir / "pg-seed.sql"
    script.write_text(f"""
CREATE TEMP TABLE seed_users (id text, email text, name text, hash text);
\\copy seed_users FROM '{users_tsv}'
INSERT INTO users (id, email, name, email_verified, created_at, updated_at)
  SELECT id, email, name, false, '{stamp}', '{stamp}' FROM seed_users;
INSERT INTO credentials (user_id, password_hash, created_at, updated_at)
  SELECT id, hash, '{stamp}', '{stamp}' FROM seed_users;
CREATE TEMP TABLE seed_tasks (id bigint, user_id text, title text, description text,
  completed boolean, created_at timestamptz, updated_at timestamptz);
\\copy seed_tasks FROM '{tasks_tsv}'
INSERT INTO tasks (id, user_id, title, description, completed, title_key, created_at, updated_at)
  OVERRIDING SYSTEM VALUE
  SELECT id, user_id, title, description, completed, lower(title), created_at, updated_at
  FROM seed_tasks;
SELECT setval(pg_get_serial_sequence('tasks', 'id'), (SELECT max(id) FROM tasks));
""")
    done = subprocess.run([str(b.signin_pg_bench.PSQL[-1]), url, "-v", "ON_ERROR_STOP=1",
                           "-q", "-f", str(script)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"seeding Postgres failed: {done.stderr}")
    psql(url, "VACUUM ANALYZE")


def cpu_ticks() -> tuple[int, int, dict[str, int]]:
    """The machine's busy and total CPU ticks (/proc/stat) and each process name's own ticks
    (utime + stime of every live process with that name, /proc/PID/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    busy = total - fields[3] - fields[4]
    by_name: dict[str, int] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2:].split()
        by_name[name] = by_name.get(name, 0) + int(rest[11]) + int(rest[12])
    return busy, total, by_name


def cpu_split(before, after) -> dict[str, float]:
    """Where the machine's CPU went between two `cpu_ticks()`, as shares of all its cores'
    time: Postgres (every `postgres` process), Leptodo (`leptodo-server`), the rest (wrk,
    whose processes are gone by then, and the kernel's network work) and idle."""
    total = max(1, after[1] - before[1])
    own = {k: after[2].get(k, 0) - before[2].get(k, 0) for k in ("postgres", "leptodo-server")}
    busy = after[0] - before[0]
    return {"postgres": own["postgres"] / total, "leptodo": own["leptodo-server"] / total,
            "rest": max(0, busy - sum(own.values())) / total, "idle": 1 - busy / total}


def split_run(load, bases: list[str], scenario: str, connections: int,
              duration: int | None = None):
    """One wrk per instance, the connections split between them, run at once: the sum, and
    where the machine's CPU went meanwhile."""
    share = max(1, connections // len(bases))
    before = cpu_ticks()
    procs = [load.start(base, scenario, share, duration) for base in bases]
    results = [load.finish(p, scenario, share) for p in procs]
    cpu = cpu_split(before, cpu_ticks())
    total = sum(r.requests for r in results)
    seconds = max(r.seconds for r in results)
    errors = sum(r.errors for r in results)
    return {"rps": total / seconds if seconds else 0.0,
            "p99_ms": max(r.p99_ms for r in results), "errors": errors, "cpu": cpu}


def run_postgres(b, users, users_file: Path, secret: str, password_hash: str, args, workdir: Path,
                 log) -> dict:
    state = workdir / "pg-bench"
    url = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", str(state)], check=True,
                         capture_output=True, text=True).stdout.strip()
    servers = []
    try:
        b.signin_pg_bench.psql(url, "CREATE DATABASE bench")
        db_url = url.rsplit("/", 1)[0] + "/bench"
        env = {"DATABASE_URL": db_url, "BETTER_AUTH_SECRET": secret, "PATH": "/usr/bin:/bin"}
        subprocess.run([str(b.SERVER_BIN), "migrate"], check=True, capture_output=True, env=env)
        log(f"postgres: seeding {len(users):,} users × {args.tasks} tasks")
        seed_postgres(b, db_url, users, password_hash, workdir)
        # Indexes the seeded tasks' search words (leptodo::tasks::reindex), as on SQLite.
        subprocess.run([str(b.SERVER_BIN), "migrate"], check=True, capture_output=True, env=env)
        b.signin_pg_bench.psql(db_url, "VACUUM ANALYZE")
        load = b.Load(users_file, args.duration, args.threads)
        scenarios = [("list", args.connections), ("create", args.connections),
                     ("toggle", args.connections), ("signin", args.signin_connections)]
        table = {}
        for count in (1, 2):
            while len(servers) < count:
                servers.append(b.start_leptodo(db_url, secret, workdir,
                                               name=f"leptodo-pg-{len(servers) + 1}"))
            bases = [s.base for s in servers]
            split_run(load, bases, "list", args.connections, duration=2)  # warm-up
            for scenario, conns in scenarios:
                log(f"  postgres, {count} instance(s): {scenario}, {conns} connections")
                r = split_run(load, bases, scenario, conns)
                if r["errors"]:
                    raise SystemExit(f"postgres {count} instance(s) {scenario}: "
                                     f"{r['errors']} errors")
                table.setdefault(scenario, {})[count] = r
        for server in servers:
            server.stop()
        servers.clear()
        floor = start_floor(b, db_url, secret, workdir, name="floor-pg")
        servers.append(floor)
        log("  postgres: the floor, list")
        low = list_rows(load, floor.base, args.connections, log, "floor (Postgres)")
        return {"connections": args.connections, "signin_connections": args.signin_connections,
                "duration": args.duration, "table": table,
                "floor": {label: {"rps": r.rps, "p99_ms": r.p99_ms} for label, r in low.items()}}
    finally:
        for server in servers:
            server.stop()
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", str(state)],
                       capture_output=True)


def report_postgres(result: dict) -> list[str]:
    t = result["table"]
    out = [
        f"## Postgres: one and two instances on one database ({result['duration']} s per row)\n",
        "Throwaway cluster (scripts/postgres, default settings), Leptodo's pool of "
        f"{os.environ.get('DATABASE_MAX_CONNECTIONS', '10')} per instance "
        "(`DATABASE_MAX_CONNECTIONS`), wrk split evenly over the instances; everything on "
        "the same cores.\n",
        "| scenario | 1 instance req/s | p99 ms | 2 instances req/s | p99 ms | 2 ÷ 1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for scenario, conns in (("list", result["connections"]), ("create", result["connections"]),
                            ("toggle", result["connections"]),
                            ("signin", result["signin_connections"])):
        one, two = t[scenario][1], t[scenario][2]
        out.append(f"| {scenario} ({conns} conns) | {one['rps']:,.0f} | {one['p99_ms']:.1f} | "
                   f"{two['rps']:,.0f} | {two['p99_ms']:.1f} | {two['rps'] / one['rps']:.2f}× |")
    out.append("")
    out.append("Where the two cores went during each row (share of both cores' time; \"rest\" is "
               "wrk and the kernel's loopback work):\n")
    out.append("| scenario | instances | Postgres | Leptodo | rest | idle |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for scenario in ("list", "create", "toggle", "signin"):
        for count in (1, 2):
            c = t[scenario][count].get("cpu")
            if c:
                out.append(f"| {scenario} | {count} | {c['postgres']:.0%} | {c['leptodo']:.0%} "
                           f"| {c['rest']:.0%} | {c['idle']:.0%} |")
    out.append("")
    out.append("| floor on Postgres (sqlx pool of 10), list row | req/s | p99 ms | "
               "Leptodo (1 instance, plain) ÷ floor |")
    out.append("|---|---:|---:|---:|")
    for label, r in result["floor"].items():
        mine = t["list"][1]["rps"] if label == LIST_ROWS[0][0] else None
        share = f"{mine / r['rps']:.2f}" if mine else "—"
        out.append(f"| {label} | {r['rps']:,.0f} | {r['p99_ms']:.1f} | {share} |")
    return out
