#!/usr/bin/env bash
# Installs the optional tools some tests use: tshark (Wireshark's command line), for the test
# that compares every dissected 802.11 frame with Wireshark. Debian/Ubuntu, as root or sudo.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tshark >/dev/null
tshark --version | head -1
