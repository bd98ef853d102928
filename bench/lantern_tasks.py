"""What Lighthouse's total blocking time is made of, from its own simulation.

Usage: python3 bench/lantern_tasks.py REPORT.json... (each written by `lighthouse
--save-assets` with LANTERN_DEBUG=1, so that REPORT-optimisticTotalBlockingTime.trace.json and
REPORT-pessimisticTotalBlockingTime.trace.json sit next to it).

Lighthouse's mobile preset does not slow the page down while it loads it: Lantern replays the
unthrottled trace's tasks on a simulated 4x slower CPU (layout tasks 2x) and slow 4G, once
optimistically and once pessimistically, and TBT is the mean of the two. Its FCP graph keeps only
the first parse, layout and paint tasks, not Chromium's navigation-commit task, so in the TBT
simulation the page's first layout task ends up to the commit task's length after the simulated
FCP. Per report this prints, in simulated ms (optimistic run): the commit task (C), the first
layout task (L), the long tasks after it, and TBT; then the medians.
"""

import json
import statistics
import sys
from pathlib import Path


def main_thread_tasks(trace_path):
    trace = json.loads(Path(trace_path).read_text())
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    spans = [e for e in events if e.get("ph") == "X" and "dur" in e]
    tasks = sorted((e for e in spans if e["name"] == "Task"), key=lambda e: e["ts"])
    children = [e for e in spans if e["name"] != "Task"]
    out = []
    for task in tasks:
        end = task["ts"] + task["dur"]
        names = {c["name"] for c in children if task["ts"] <= c["ts"] < end}
        out.append((task["ts"] / 1000, task["dur"] / 1000, names))
    return out


def breakdown(report_path):
    report = json.loads(Path(report_path).read_text())
    stem = str(report_path)[: -len(".json")]
    tasks = main_thread_tasks(f"{stem}-optimisticTotalBlockingTime.trace.json")
    commit = next((d for _, d, n in tasks if "DocumentLoader::CommitNavigation" in n), 0.0)
    first_layout = next(((t, d) for t, d, n in tasks if "Layout" in n), (0.0, 0.0))
    later = [d for t, d, _ in tasks if t > first_layout[0] and d >= 50]
    tbt = report["audits"]["total-blocking-time"]["numericValue"]
    return commit, first_layout[1], later, tbt


def main():
    rows = [breakdown(p) for p in sys.argv[1:]]
    if not rows:
        sys.exit(__doc__)
    print("| run | commit task C | first layout task L | later tasks >= 50 ms | TBT |")
    print("|---|---:|---:|---|---:|")
    for path, (c, l, later, tbt) in zip(sys.argv[1:], rows):
        print(f"| {Path(path).stem} | {c:.0f} | {l:.0f} | {', '.join(f'{d:.0f}' for d in later) or '-'}"
              f" | {tbt:.0f} |")
    med = lambda i: statistics.median(r[i] for r in rows)
    print(f"| median | {med(0):.0f} | {med(1):.0f} | | {med(3):.0f} |")
    print("\nTBT roughly follows max(0, min(L, C) - 50) + the later tasks' excess over 50 ms: the page's"
          " first layout counts only once it is shorter than Chromium's commit task.")


if __name__ == "__main__":
    main()
