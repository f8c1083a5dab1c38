#!/usr/bin/env bash
# The tests need two programs npm cannot bring: Java (DynamoDB Local is Amazon's jar) and Prometheus
# (the canary tests run a real one). On this project's machines we are root with Debian's apt-get, so
# whatever is missing is installed; elsewhere this says what to install and stops.
set -euo pipefail
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
[ -x "${PROMETHEUS_BINARY:-/usr/bin/prometheus}" ] || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the tests (Debian packages)…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "the tests need ${missing[*]}: install them, e.g. sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
