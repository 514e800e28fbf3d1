#!/usr/bin/env python3
"""The fuzzing campaign: runs built libFuzzer targets one after another at nice 10, and appends
one line per run to campaign.tsv beside this script (target, start, wall s, CPU s, executions,
exit status, ok/crash). Output of each run goes to logs/ (not committed).

Usage (after `RUSTC_BOOTSTRAP=1 cargo fuzz build -O` in this directory):
    python3 campaign.py SECONDS TARGET...
"""
import os, re, resource, subprocess, sys, time
FUZZ = os.path.dirname(os.path.abspath(__file__))
BIN = FUZZ + "/target/x86_64-unknown-linux-gnu/release"
secs = int(sys.argv[1]); targets = sys.argv[2:]
os.makedirs(FUZZ + "/logs", exist_ok=True)
log = open(FUZZ + "/campaign.tsv", "a")
for t in targets:
    corpus = f"{FUZZ}/corpus/{t}"; seeds = f"{FUZZ}/seeds/{t}"; art = f"{FUZZ}/artifacts/{t}/"
    os.makedirs(corpus, exist_ok=True); os.makedirs(art, exist_ok=True)
    dirs = [corpus] + ([seeds] if os.path.isdir(seeds) else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    with open(f"{FUZZ}/logs/{t}.{int(t0)}.log", "w") as out:
        rc = subprocess.call(["nice", "-n", "10", f"{BIN}/{t}", *dirs, f"-max_total_time={secs}",
                              "-print_final_stats=1", "-rss_limit_mb=2048", "-timeout=20",
                              f"-artifact_prefix={art}"], stdout=out, stderr=subprocess.STDOUT, cwd=FUZZ)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = open(out.name, errors="replace").read()
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
    execs = m.group(1) if m else "?"
    crash = "crash" if re.search(r"(deadly signal|panicked|ERROR: libFuzzer)", text) else "ok"
    log.write(f"{t}\t{time.strftime('%Y-%m-%dT%H:%M:%S', time.localtime(t0))}\t{wall:.0f}\t{cpu:.0f}\t{execs}\t{rc}\t{crash}\n")
    log.flush()
