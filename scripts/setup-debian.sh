#!/usr/bin/env bash
# Installs the Debian packages zeroshift needs to build, test and run its
# embedded PostgreSQL. Installs only what is missing; runs apt-get update once.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format ccache
  libpq-dev libpg-query-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libcpp-httplib-dev libgtest-dev
  postgresql postgresql-contrib
  mariadb-server libmariadb-dev  # MariaDB's tests start a throwaway mariadbd (src/servers/)
  pgbouncer  # the pooler tests start a throwaway PgBouncer in front of PostgreSQL (src/servers/)
  chromium  # Debian's browser, driven headless by the dashboard's test (tests/e2e)
  # Bench only: pt-online-schema-change, the MariaDB peer of `make bench`'s figure 6
  # (bench/ptosc_bench.cc); it brings the DBI and DBD::mysql Perl modules it needs.
  percona-toolkit
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from nodesource, whose nodejs conflicts with Debian's npm.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then

echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's postgresql package starts a system cluster, mariadb-server a system mariadbd and
# pgbouncer a system pgbouncer where an init system runs; zeroshift never uses any of them.

# playwright-core for tests/e2e, exactly as locked; it never downloads a browser.
e2e_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e"
if [ ! -f "$e2e_dir/node_modules/.package-lock.json" ] ||
  [ "$e2e_dir/package-lock.json" -nt "$e2e_dir/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/e2e"
  (cd "$e2e_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
