#!/usr/bin/env bash
# Makes sure a local S3-compatible server answers on 127.0.0.1:${FOLIO_TEST_S3_PORT:-4566}
# for the S3 adapter's tests: moto (PyPI `moto[server]`, in-memory, accepts any
# credentials). Installs it into a virtual environment when `moto_server` is missing,
# then starts it in the background. FOLIO_TEST_S3=skip opts out (the tests then
# skip their S3 part and say so); without it a missing server fails those tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${FOLIO_TEST_S3:-}" = skip ]; then
  echo "FOLIO_TEST_S3=skip: not starting a local S3 server"
  exit 0
fi

port=${FOLIO_TEST_S3_PORT:-4566}
s3_up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

if s3_up; then
  exit 0
fi

venv=${FOLIO_MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/folio/moto}
moto_server=$(command -v moto_server || true)
if [ -z "$moto_server" ] && [ -x "$venv/bin/moto_server" ]; then
  moto_server=$venv/bin/moto_server
fi

if [ -z "$moto_server" ]; then
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "error: python3 with venv is needed to install moto (the local S3 server); or set FOLIO_TEST_S3=skip" >&2
      exit 1
    fi
    echo "installing python3-venv"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  echo "installing moto[server] into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'moto[server]'
  moto_server=$venv/bin/moto_server
fi

log=${TMPDIR:-/tmp}/folio-moto-$port.log
echo "starting moto on 127.0.0.1:$port (log: $log)"
# Its own session, so that it outlives this script like the other services do.
setsid "$moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 < /dev/null &

for _ in $(seq 1 60); do
  if s3_up; then exit 0; fi
  sleep 1
done
echo "error: moto did not come up on 127.0.0.1:$port (see $log)" >&2
exit 1
