"""Breach notices benchmark: 10,000 individual notices, single-process beside multi-process.

Run: ``python benchmarks/breach_bench.py [--count 10000] [--processes 2]`` (``make bench``).
Creates a fresh case database (demo profile with a logo) with one high-risk breach and ``count``
affected people (a mix of
Latin, Greek, Cyrillic names and California residents, so both layouts and the Unicode fonts are
exercised), then writes every person's notice plus the manifest, each run in its own process so
that peak memory is measured honestly:

* single:  ``notify_subjects(processes=1)``;
* multi:   ``notify_subjects(processes=N)`` (spawned workers, 50 notices per job).

It prints notices per second and peak RSS (the parent and, for multi, the largest worker).
Targets: >= 400 notices/s with two cores, peak RSS <= 500 MB whatever the count.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_RATE = 400.0
TARGET_RSS_MB = 500.0
_FIRST = ("Amelia", "Oliver", "Sofía", "Mateo", "Zoë", "Łukasz", "Ζωή", "Дмитрий", "Chloé", "Ingrid",
          "Siobhán", "Björn", "Aisha", "Kenji", "Fatima", "Νίκος", "Анна", "Grace", "Pedro", "Leila")
_LAST = ("Johansson", "García", "Ødegård", "Wróbel", "Παπαδοπούλου", "Иванов", "Dubois", "Müller",
         "O'Brien", "Haddad", "Silva", "Okonkwo", "Rossi", "Novak", "Petrov", "Yılmaz", "Nguyen", "Khan")


def setup(data_dir: Path, count: int) -> str:
    from privdesk.domain.breach import BreachInput
    from privdesk.services import breaches as svc
    from privdesk.services import settings
    from privdesk.services.context import AppContext
    from privdesk.services.demo import DEMO_PROFILE

    ctx = AppContext.open(data_dir)
    settings.update_settings(ctx, DEMO_PROFILE)
    # a letterhead logo, as a real organisation has (PIL comes with reportlab)
    from PIL import Image, ImageDraw

    logo = data_dir / "logo.png"
    img = Image.new("RGB", (600, 240), "#1f2a37")
    ImageDraw.Draw(img).ellipse((20, 20, 220, 220), fill="#2563eb")
    img.save(logo)
    settings.set_logo(ctx, logo)
    d = svc.add_breach(ctx, BreachInput(
        title="Customer database exposed", aware="2026-11-20T09:30+00:00", nature="confidentiality",
        description="A misconfigured backup bucket exposed customer records for six hours.",
        data_categories="identifiers, contact, credentials, financial", subject_categories="customers",
        subjects_approx=count, records_approx=count * 3, consequences="Phishing and account takeover are possible.",
        measures="The bucket was closed, keys rotated and access logs reviewed.",
        measures_proposed="Automated checks of storage permissions.", risk="high", risk_reasoning="Passwords hashes and card data.",
        regimes="uk-gdpr,california"), "bench", now=datetime(2026, 11, 21, tzinfo=UTC))
    rnd = random.Random(7)
    people = []
    for i in range(count):
        name = f"{rnd.choice(_FIRST)} {rnd.choice(_LAST)}"
        people.append({"name": name, "email": f"person{i}@example.com",
                       "address": f"{i} {rnd.choice(('High Street', 'Main St', 'Rua Augusta'))}\nTown {i % 97}",
                       "region": "CA" if i % 10 == 0 else "GB"})
    svc.add_affected(ctx, d.reference, people, "bench")
    ctx.close()
    return d.reference


def run_one(data_dir: Path, reference: str, processes: int, out_dir: Path) -> dict[str, float]:
    from privdesk.services import breach_notices as notices
    from privdesk.services.context import AppContext

    ctx = AppContext.open(data_dir)

    def cpu(who: int) -> float:
        u = resource.getrusage(who)
        return u.ru_utime + u.ru_stime

    t0, c0, w0 = time.perf_counter(), cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    r = notices.notify_subjects(ctx, reference, "bench", out_dir=out_dir, processes=processes,
                                delay_reasons="Benchmark run after the deadline.")
    seconds = time.perf_counter() - t0
    parent_cpu, worker_cpu = cpu(resource.RUSAGE_SELF) - c0, cpu(resource.RUSAGE_CHILDREN) - w0
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert r.written == r.total and not r.failed, r.message()
    total_cpu = parent_cpu + worker_cpu
    # The machine is shared: besides wall-clock, what the CPU time spent allows on free cores.
    busiest = max(parent_cpu, worker_cpu / processes) if processes > 1 else total_cpu
    return {"written": r.written, "seconds": seconds, "rate": r.written / seconds,
            "cpu_ms_per_notice": 1000 * total_cpu / r.written, "cpu_rate": r.written / busiest,
            "parent_cpu_s": parent_cpu, "worker_cpu_s": worker_cpu,
            "rss_mb": self_mb, "worker_rss_mb": child_mb}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--child", nargs=4, metavar=("DATA", "REF", "PROCS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        data, ref, procs, out = args.child
        print(json.dumps(run_one(Path(data), ref, int(procs), Path(out))))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="breach-bench-"))
    try:
        t0 = time.perf_counter()
        ref = setup(tmp / "data", args.count)
        print(f"setup: {args.count} affected people in {time.perf_counter() - t0:.1f} s")
        results = {}
        for label, procs in (("single", 1), (f"multi x{args.processes}", args.processes)):
            out = tmp / f"out-{procs}"
            proc = subprocess.run([sys.executable, __file__, "--child", str(tmp / "data"), ref, str(procs), str(out)],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(proc.stderr)
                return 1
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            results[label] = res
            size = sum(f.stat().st_size for f in out.glob("*.pdf")) / 1e6
            print(f"{label:>9}: {res['written']:,} notices in {res['seconds']:.1f} s = {res['rate']:.0f} notices/s wall; "
                  f"{res['cpu_ms_per_notice']:.2f} ms CPU per notice = {res['cpu_rate']:.0f} notices/s on free cores; "
                  f"CPU parent {res['parent_cpu_s']:.1f} s, workers {res['worker_cpu_s']:.1f} s; "
                  f"peak RSS parent {res['rss_mb']:.0f} MB, worker {res['worker_rss_mb']:.0f} MB; {size:.0f} MB of PDFs")
            shutil.rmtree(out, ignore_errors=True)
        multi = results[f"multi x{args.processes}"]
        peak = max(max(r["rss_mb"], r["worker_rss_mb"]) for r in results.values())
        load = os.getloadavg()[0]
        print(f"cores: {os.cpu_count()}, load average {load:.1f}; target >= {TARGET_RATE:.0f} notices/s multi-process: "
              f"wall {'MET' if multi['rate'] >= TARGET_RATE else 'NOT MET'} ({multi['rate']:.0f}/s, "
              f"{multi['rate'] / results['single']['rate']:.2f}x single), CPU-based "
              f"{'MET' if multi['cpu_rate'] >= TARGET_RATE else 'NOT MET'} ({multi['cpu_rate']:.0f}/s); "
              f"peak RSS <= {TARGET_RSS_MB:.0f} MB: {'MET' if peak <= TARGET_RSS_MB else 'NOT MET'} ({peak:.0f} MB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
