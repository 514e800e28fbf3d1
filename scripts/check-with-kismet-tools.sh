#!/usr/bin/env bash
# Runs Kismet's own log tools on an Osprey log, where they are installed, and fails on any
# error: kismetdb_dump_devices, kismetdb_statistics and kismetdb_to_pcap.
#
#   scripts/check-with-kismet-tools.sh LOG.kismet
#
# The tools are run on a copy: by default they VACUUM their input. A tool that is not on PATH
# is reported and skipped; the script exits 2 if none is installed, so a run that checked
# nothing is never taken for a pass.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 LOG.kismet" >&2
    exit 64
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$1" "$work/log.kismet"
ran=0
run() {
    local tool=$1; shift
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool: not on PATH, skipped"
        return
    fi
    ran=$((ran + 1))
    echo "== $tool $*"
    "$tool" "$@"
}
run kismetdb_dump_devices -i "$work/log.kismet" -o "$work/devices.json" -f
if [ -f "$work/devices.json" ]; then python3 -m json.tool "$work/devices.json" >/dev/null; fi
run kismetdb_statistics -i "$work/log.kismet"
run kismetdb_statistics -i "$work/log.kismet" --json
run kismetdb_to_pcap -i "$work/log.kismet" -o "$work/out.pcapng" -f
if [ "$ran" -eq 0 ]; then
    echo "none of Kismet's log tools is installed: nothing was checked" >&2
    exit 2
fi
echo "ok: $ran tool run(s) without error"
