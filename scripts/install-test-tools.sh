#!/usr/bin/env bash
# Installs the tools some tests use: tshark (Wireshark's command line), for the test that
# compares every dissected 802.11 frame with Wireshark, and Kismet's Python kismetdb reader
# (PyPI kismetdb 2021.6.1), for the test that reads Osprey's logs with it, and Kismet's REST
# client (PyPI kismet_rest 2020.5.1), for the test that drives `osprey serve` with it. Debian/Ubuntu, as
# root or with sudo.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
if ! command -v tshark >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tshark >/dev/null
fi
tshark --version | head -1
if ! python3 -c "import kismetdb" >/dev/null 2>&1; then
    python3 -m pip install --quiet "kismetdb==2021.6.1"
fi
python3 -c "import kismetdb; print('kismetdb (python)', kismetdb.__version__)"
# Kismet's official REST client, for the test that drives `osprey serve` with it.
if ! python3 -c "import kismet_rest" >/dev/null 2>&1; then
    python3 -m pip install --quiet "kismet_rest==2020.5.1"
fi
python3 -c "import kismet_rest; print('kismet_rest (python) ok')"
