#!/usr/bin/env bash
# Debian packages the test suite needs (Chromium for the chat browser test, gcc for .venv-rasa).
# Needs root; idempotent.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The Rasa env (Python 3.11) builds multidict 5.2.0 from its sdist: a C compiler and Python.h.
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
if command -v python3.11 >/dev/null 2>&1 && ! python3.11 -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  missing+=(python3.11-dev)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
