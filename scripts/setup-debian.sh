#!/usr/bin/env bash
# Installs the Debian packages zeroshift needs to build, test and run its
# embedded PostgreSQL. Installs only what is missing; runs apt-get update once.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format
  libpq-dev libpg-query-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libcpp-httplib-dev libgtest-dev libbenchmark-dev
  postgresql postgresql-contrib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's postgresql package starts a system cluster; zeroshift never uses it.
