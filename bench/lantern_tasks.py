"""What Lighthouse's total blocking time is made of, from its own simulation.

Usage: python3 bench/lantern_tasks.py REPORT.json... (each written by `lighthouse
--save-assets` with LANTERN_DEBUG=1, so that REPORT-optimisticTotalBlockingTime.trace.json sits
next to it; `bench/first-load --lantern` does this).

Lighthouse's mobile preset does not slow the page down while it loads it: Lantern replays the
unthrottled trace's tasks on a simulated CPU 4x slower (2x for tasks that lay out) and slow 4G.
TBT sums, over tasks that end after the simulated FCP, the part past FCP beyond 50 ms. Lantern's
FCP graph keeps only the first parse, first layout and first paint tasks (and render-blocking
requests), so every other task that runs before the page's first layout, such as Chromium's
navigation-commit task or a second parse task when the parser yields, pushes that layout past
the simulated FCP, where it counts. Per report this prints, in simulated ms: the commit task
(C), the other tasks before the first layout task, the first layout task (L), what each long
task adds to TBT, and TBT itself (the mean of the optimistic and pessimistic runs, so the sum of
the added parts is close to it, not equal).
"""

import json
import statistics
import sys
from pathlib import Path

BLOCKING_MS = 50
SIMULATION_ORIGIN_MS = 1_000_000


def tasks_of(trace_path):
    """The simulated main-thread tasks as (start ms, duration ms, names of events inside)."""
    trace = json.loads(Path(trace_path).read_text())
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    spans = [e for e in events if e.get("ph") == "X" and "dur" in e]
    tasks = sorted((e for e in spans if e["name"] == "Task"), key=lambda e: e["ts"])
    inner = [e for e in spans if e["name"] != "Task"]
    out = []
    for task in tasks:
        start, end = task["ts"], task["ts"] + task["dur"]
        names = {e["name"] for e in inner if start <= e["ts"] < end}
        # Lantern writes its simulated traces from 1e9 µs: minus that, times match the report's.
        out.append((start / 1000 - SIMULATION_ORIGIN_MS, task["dur"] / 1000, names))
    return out


def breakdown(report_path):
    audits = json.loads(Path(report_path).read_text())["audits"]
    fcp = audits["first-contentful-paint"]["numericValue"]
    stem = str(report_path)[: -len(".json")]
    tasks = [t for t in tasks_of(f"{stem}-optimisticTotalBlockingTime.trace.json") if t[1] >= 1]
    commit = next((t for t in tasks if "DocumentLoader::CommitNavigation" in t[2]), tasks[0])
    layout = next((t for t in tasks if t[0] > commit[0] and "Layout" in t[2] and t[1] >= 20), None)
    before = [t for t in tasks if commit[0] < t[0] < (layout[0] if layout else 0) and t[1] >= 20]
    added = []
    for start, dur, _ in tasks:
        end = start + dur
        past_fcp = end - max(start, fcp)
        if past_fcp > BLOCKING_MS:
            added.append((start, past_fcp - BLOCKING_MS))
    return {
        "C": commit[1],
        "before": [d for _, d, _ in before],
        "L": layout[1] if layout else 0.0,
        "added": added,
        "tbt": audits["total-blocking-time"]["numericValue"],
    }


def main():
    paths = sys.argv[1:]
    if not paths:
        sys.exit(__doc__)
    rows = [breakdown(p) for p in paths]
    print("| run | commit task C | other tasks before L | first layout task L | added to TBT (task start: ms) | TBT |")
    print("|---|---:|---|---:|---|---:|")
    for path, r in zip(paths, rows):
        before = ", ".join(f"{d:.0f}" for d in r["before"]) or "-"
        added = ", ".join(f"{s:.0f}: {a:.0f}" for s, a in r["added"]) or "-"
        print(f"| {Path(path).stem} | {r['C']:.0f} | {before} | {r['L']:.0f} | {added} | {r['tbt']:.0f} |")
    med = lambda key: statistics.median(r[key] for r in rows)
    print(f"| median | {med('C'):.0f} | | {med('L'):.0f} | | {med('tbt'):.0f} |")


if __name__ == "__main__":
    main()
