# SPDX-License-Identifier: MIT
"""The durable section's bound figures (CTest bench_durable_bound, label
`bench`). No timing assertion: it checks that the figures the section
derives agree with the figures they are derived from, in the same run.

Runs `ticket-bench --quick --only durable --durable-receivers 1,2,3` with
TK_BENCH_DIR set to WORK_DIR and checks, from its JSON file and output:
- the counts given replace the default ones (rows for 1, 2, 3 receivers,
  none for 8);
- the flush probe's figures exist, are positive, and the 90th percentile
  is at least the median in min, median and max (each repetition's p90 is
  at least its median, so every order statistic is too);
- C per payment and thread is t x 1e6 / the mem rate: with an odd number
  of repetitions its min, median and max are that of the mem row's max,
  median and min (recomputed here), for every count up to the cores, and
  absent beyond them (the bound needs a core per receiver);
- every bound figure lies in (0, 1) and within C.min / (C.min + F.max)
  .. C.max / (C.max + F.min) (per repetition it is C / (C + F));
- every row has the process's CPU per payment (positive); the SQLite CPU
  bound exists exactly for the counts of at least the cores, and lies
  within cores x 1e6 / (cpu.max x mem.max) .. cores x 1e6 / (cpu.min x
  mem.min) (per repetition it is cores x 1e6 / (cpu x mem rate));
- the 2-receiver durable targets name their flush bound, the 8-receiver
  SQLite ones their CPU bound, and carry its median (null when not
  measured); each missed one's line says "unreachable" exactly when the
  bound is below the target;
- the tmpfs warning is in the output and the JSON file exactly when
  WORK_DIR is on a tmpfs (and, on a second run in /dev/shm if that is a
  tmpfs, that it is given there);
- nothing is left in the directory; bad --durable-receivers lists exit 2.

usage: check_durable_bound.py TICKET_BENCH WORK_DIR
"""

import json
import os
import shutil
import subprocess
import sys

COUNTS = (1, 2, 3)
SIZES = (10, 1)
REL = 1e-9


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def fs_type(path):
    out = subprocess.run(["stat", "-f", "-c", "%T", path],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def in_memory(path):
    return fs_type(path) in ("tmpfs", "ramfs")


def run_bench(bench, work, counts):
    js = os.path.join(work, "out.json")
    env = dict(os.environ, TK_BENCH_DIR=work)
    env.pop("TK_PG_CONNINFO", None)  # the SQLite side is what is checked
    p = subprocess.run([bench, "--quick", "--only", "durable",
                        "--durable-receivers", counts, "--json", js],
                       env=env, capture_output=True, text=True, timeout=240)
    if p.returncode != 0:
        fail("ticket-bench exited %d:\n%s\n%s" % (p.returncode, p.stdout,
                                                  p.stderr))
    with open(js) as f:
        doc = json.load(f)
    os.unlink(js)
    left = os.listdir(work)
    if left:
        fail("left in %s: %s" % (work, left))
    return doc, p.stdout


def close(a, b):
    return abs(a - b) <= REL * max(abs(a), abs(b))


def check_rows(res, nproc, reps):
    for size in SIZES:
        for t in COUNTS:
            for store in ("mem", "sqlite"):
                if "durable_%s_p%d_t%d" % (store, size, t) not in res:
                    fail("no row for %s, %d tickets, %d receivers"
                         % (store, size, t))
        if "durable_mem_p%d_t8" % size in res:
            fail("the default count 8 ran although the counts were given")
    fmed = res.get("durable_fsync_us_median")
    fp90 = res.get("durable_fsync_us_p90")
    if fmed is None or fp90 is None:
        fail("no flush probe figures")
    if fmed["min"] <= 0 or fmed["reps"] != len(SIZES) * reps:
        fail("probe median figure: %r" % fmed)
    for k in ("min", "median", "max"):
        if fp90[k] < fmed[k]:
            fail("p90 %s %g below median %g" % (k, fp90[k], fmed[k]))
    bounds = 0
    for size in SIZES:
        for t in COUNTS:
            c = res.get("durable_c_us_p%d_t%d" % (size, t))
            b = res.get("durable_bound_p%d_t%d" % (size, t))
            if t > nproc:
                if c is not None or b is not None:
                    fail("a bound for %d receivers on %d cores" % (t, nproc))
                continue
            if c is None or b is None:
                fail("no C or bound for %d tickets, %d receivers"
                     % (size, t))
            mem = res["durable_mem_p%d_t%d" % (size, t)]
            want = {"min": 1e6 * t / mem["max"],
                    "median": 1e6 * t / mem["median"],
                    "max": 1e6 * t / mem["min"]}
            for k, v in want.items():
                if not close(c[k], v):
                    fail("C %s %.9g, from the mem row %.9g (%d, t%d)"
                         % (k, c[k], v, size, t))
            lo = c["min"] / (c["min"] + fmed["max"])
            hi = c["max"] / (c["max"] + fmed["min"])
            for k in ("min", "median", "max"):
                if not (0 < b[k] < 1) or b[k] < lo * (1 - REL) or \
                        b[k] > hi * (1 + REL):
                    fail("bound %s %g outside [%g, %g] (%d, t%d)"
                         % (k, b[k], lo, hi, size, t))
            bounds += 1
    if bounds == 0:
        fail("no bound at all (cores: %d)" % nproc)
    for size in SIZES:
        for t in COUNTS:
            for store in ("mem", "sqlite"):
                cpu = res.get("durable_%s_p%d_t%d_cpu_us" % (store, size, t))
                if cpu is None or cpu["min"] <= 0:
                    fail("CPU per payment %r (%s, %d, t%d)"
                         % (cpu, store, size, t))
            cb = res.get("durable_cpubound_sqlite_p%d_t%d" % (size, t))
            if t < nproc:
                if cb is not None:
                    fail("a CPU bound for %d receivers on %d cores"
                         % (t, nproc))
                continue
            if cb is None:
                fail("no CPU bound for %d tickets, %d receivers" % (size, t))
            cpu = res["durable_sqlite_p%d_t%d_cpu_us" % (size, t)]
            mem = res["durable_mem_p%d_t%d" % (size, t)]
            lo = nproc * 1e6 / (cpu["max"] * mem["max"])
            hi = nproc * 1e6 / (cpu["min"] * mem["min"])
            for k in ("min", "median", "max"):
                if cb[k] < lo * (1 - REL) or cb[k] > hi * (1 + REL):
                    fail("CPU bound %s %g outside [%g, %g] (%d, t%d)"
                         % (k, cb[k], lo, hi, size, t))


def expected_limit(name):
    """durable_<store>_p<size>_t<n>_vs_mem: the bound it must name."""
    if not (name.startswith("durable_") and name.endswith("_vs_mem")):
        return None
    store, size, t = name.split("_")[1:4]
    if t == "t2":
        return "durable_bound_%s_t2" % size
    if t == "t8" and store == "sqlite":
        return "durable_cpubound_sqlite_%s_t8" % size
    return None


def check_targets(doc, res, text):
    for t in doc["targets"]:
        want = expected_limit(t["name"])
        if want is None:
            if "limit" in t:
                fail("target %s has a limit" % t["name"])
            continue
        if t.get("limit") != want:
            fail("target %s names limit %r" % (t["name"], t.get("limit")))
        b = res.get(t["limit"])
        if b is None:
            if t["limit_value"] is not None or t["verdict"] == "MISSED":
                fail("target %s: limit_value %r, verdict %s, no figure"
                     % (t["name"], t["limit_value"], t["verdict"]))
            continue
        if t["limit_value"] is None or \
                not close(t["limit_value"], b["median"]):
            fail("target %s limit_value %r, figure %r"
                 % (t["name"], t["limit_value"], b))
        lines = [ln for ln in text.splitlines()
                 if ln.strip().startswith(t["name"] + " ") and
                 "bound " + t["limit"] in ln]
        if t["verdict"] != "MISSED":
            if lines:
                fail("a bound line for %s, verdict %s"
                     % (t["name"], t["verdict"]))
            continue
        if len(lines) != 1:
            fail("%d bound lines for missed %s" % (len(lines), t["name"]))
        if ("unreachable" in lines[0]) != (b["median"] < t["bound"]):
            fail("line %r, bound %g, target %g"
                 % (lines[0], b["median"], t["bound"]))


def warned(doc, text):
    w = [x for x in doc["warnings"] if "tmpfs" in x]
    t = [ln for ln in text.splitlines()
         if ln.startswith("# WARNING: durable:") and "tmpfs" in ln]
    if bool(w) != bool(t):
        fail("tmpfs warning in the JSON %r but output %r" % (w, t))
    return bool(w)


def main():
    bench, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    nproc = os.sysconf("SC_NPROCESSORS_ONLN")

    doc, text = run_bench(bench, work, ",".join(str(c) for c in COUNTS))
    res = {r["name"]: r for r in doc["results"]}
    if doc["header"]["reps"] % 2 == 0:
        fail("the medians are recomputed for an odd number of repetitions")
    check_rows(res, nproc, doc["header"]["reps"])
    check_targets(doc, res, text)
    if warned(doc, text) != in_memory(work):
        fail("tmpfs warning %s, but %s is on %s"
             % (warned(doc, text), work, fs_type(work)))
    shm = "/dev/shm"
    if os.path.isdir(shm) and in_memory(shm) and os.access(shm, os.W_OK):
        sub = os.path.join(shm, "tk-bench-bound-%d" % os.getpid())
        os.makedirs(sub)
        try:
            doc2, text2 = run_bench(bench, sub, "1")
        finally:
            shutil.rmtree(sub, ignore_errors=True)
        if not warned(doc2, text2):
            fail("no tmpfs warning for " + shm)
    else:
        print("note: no writable tmpfs at /dev/shm; warning case skipped")
    for bad in ("0", "2,1", "1,1", "1,65", "1,", ",1", "1,2,3,4,5,6,7,8,9",
                "x", "1;2"):
        p = subprocess.run([bench, "--only", "none", "--durable-receivers",
                            bad], capture_output=True, text=True)
        if p.returncode != 2:
            fail("--durable-receivers %r exited %d" % (bad, p.returncode))
    shutil.rmtree(work, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
