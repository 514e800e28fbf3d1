#!/usr/bin/env python3
"""The fuzzing campaign: runs built libFuzzer targets one after another at nice 10, and appends
one line per run to campaign.tsv beside this script (target, start, wall s, CPU s, executions,
exit status, ok/crash/failed). Output of each run goes to logs/ (not committed).

Usage (after `RUSTC_BOOTSTRAP=1 cargo fuzz build -O` in this directory):
    python3 campaign.py SECONDS TARGET...        each target runs SECONDS of wall-clock time
    python3 campaign.py --cpu SECONDS TARGET...  each target runs until its CPU time, summed over
                                                 every line of campaign.tsv, reaches SECONDS

The --cpu form is for a machine shared with other work: at nice 10 a fuzzer gets what is left
over, so wall-clock time overstates how much fuzzing was done. The run is stopped with SIGINT,
on which libFuzzer prints its final statistics and exits (status 72).
"""
import os, re, resource, signal, subprocess, sys, time
FUZZ = os.path.dirname(os.path.abspath(__file__))
BIN = FUZZ + "/target/x86_64-unknown-linux-gnu/release"
TSV = FUZZ + "/campaign.tsv"
args = sys.argv[1:]
cpu_mode = bool(args) and args[0] == "--cpu"
if cpu_mode:
    args = args[1:]
if not args or not args[0].isdigit():
    sys.exit(__doc__)
secs = int(args[0]); targets = args[1:]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_so_far(target):
    """CPU seconds already recorded for a target in campaign.tsv."""
    total = 0.0
    if os.path.exists(TSV):
        for line in open(TSV):
            f = line.rstrip("\n").split("\t")
            if len(f) >= 4 and f[0] == target:
                total += float(f[3])
    return total


def cpu_of(pid):
    """User plus system CPU seconds of a running process, or None once it is gone."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


os.makedirs(FUZZ + "/logs", exist_ok=True)
for t in targets:
    budget = secs - cpu_so_far(t) if cpu_mode else secs
    if budget <= 0:
        print(f"{t}: already has {secs} CPU seconds", file=sys.stderr)
        continue
    corpus = f"{FUZZ}/corpus/{t}"; seeds = f"{FUZZ}/seeds/{t}"; art = f"{FUZZ}/artifacts/{t}/"
    os.makedirs(corpus, exist_ok=True); os.makedirs(art, exist_ok=True)
    dirs = [corpus] + ([seeds] if os.path.isdir(seeds) else [])
    # In --cpu mode the wall-clock cap is only a backstop; SIGINT below ends the run.
    wall_cap = int(budget * 6) + 60 if cpu_mode else secs
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    with open(f"{FUZZ}/logs/{t}.{int(t0)}.log", "w") as out:
        # `nice` execs the fuzzer, so the pid polled below is the fuzzer's own.
        proc = subprocess.Popen(["nice", "-n", "10", f"{BIN}/{t}", *dirs,
                                 f"-max_total_time={wall_cap}", "-print_final_stats=1",
                                 "-rss_limit_mb=2048", "-timeout=20", f"-artifact_prefix={art}"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=FUZZ)
        while proc.poll() is None:
            if cpu_mode:
                used = cpu_of(proc.pid)
                if used is not None and used >= budget:
                    proc.send_signal(signal.SIGINT)
                    proc.wait()
                    break
            time.sleep(2)
        rc = proc.returncode
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = open(out.name, errors="replace").read()
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
    execs = m.group(1) if m else "?"
    if re.search(r"(deadly signal|panicked|ERROR: libFuzzer|ERROR: AddressSanitizer)", text):
        crash = "crash"
    elif execs == "?" or rc not in (0, 72):
        crash = "failed"  # did not fuzz (a start-up error): see the log
    else:
        crash = "ok"
    with open(TSV, "a") as log:
        log.write(f"{t}\t{time.strftime('%Y-%m-%dT%H:%M:%S', time.localtime(t0))}\t{wall:.0f}\t{cpu:.0f}\t{execs}\t{rc}\t{crash}\n")
