#!/usr/bin/env bash
# The Debian package end to end (CTest: deb_package; `make deb` builds the same package):
# built with cpack from BUILD_DIR, its Depends checked against this machine, installed with
# dpkg, `zeroshift --version` and `zeroshift demo` run from PATH in a directory that is not
# the repository, the man page and completion checked, then purged with no file left behind.
#
# By default dpkg installs into a scratch root (dpkg --root), so the test never changes the
# machine's packages (and never waits on its dpkg lock); ZS_DEB_TEST_SYSTEM=1 installs into
# the machine itself (dpkg -i, dpkg -P), for a throwaway CI container.
# Exit 77 (skipped, with the reason) unless run as root with dpkg and cpack available.
#   scripts/test-deb.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:?usage: test-deb.sh BUILD_DIR}" && pwd)
skip() { echo "deb_package: skipped: $*"; exit 77; }
fail() { echo "deb_package: FAILED: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || skip "dpkg needs root; run as root (sudo ctest -R deb_package)"
command -v dpkg >/dev/null || skip "dpkg is not installed (not a Debian system)"
command -v cpack >/dev/null || skip "cpack is not installed (apt-get install cmake)"
[[ -x $build/zeroshift && -f $build/zeroshift.1 ]] ||
  skip "build zeroshift and its docs first (cmake --build $build --target zeroshift zeroshift_docs)"

scratch=$(mktemp -d /tmp/zs_deb.XXXXXX)
chmod 755 "$scratch"  # the demo's PostgreSQL runs as user postgres and must reach it
trap 'rm -rf "$scratch"' EXIT

echo "== cpack"
(cd "$build" && cpack -G DEB -B "$scratch/pkg" >"$scratch/cpack.log" 2>&1) ||
  { cat "$scratch/cpack.log"; fail "cpack could not build the package"; }
deb=$(ls "$scratch"/pkg/zeroshift_*.deb)
echo "$(basename "$deb"): $(stat -c %s "$deb") bytes"
dpkg-deb -f "$deb" Package Version Depends Recommends

echo "== Depends: every library the binary links is a dependency, and installed here"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libpq5 libpg-query libyaml-cpp libfmt libstdc++6; do
  [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
[[ $(dpkg-deb -f "$deb" Recommends) == *postgresql* ]] || fail "Recommends lacks postgresql"
for name in $(tr ',' '\n' <<<"$depends" | sed 's/[(|].*//'); do
  dpkg-query -W -f='${Status}\n' "$name" 2>/dev/null | grep -q "install ok installed" ||
    fail "dependency $name is not installed on this machine"
done

if [[ ${ZS_DEB_TEST_SYSTEM:-0} == 1 ]]; then
  root=""
  dpkg_root=()
  dpkg -s zeroshift >/dev/null 2>&1 && fail "zeroshift is already installed on this machine"
else
  root="$scratch/root"
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
  touch "$root/var/lib/dpkg/status"
  # The scratch root holds no other package: its Depends were checked above, on the machine.
  dpkg_root=(--root="$root" --force-depends --log=/dev/null)
fi

echo "== dpkg -i"
# (into the scratch root, dpkg lists every dependency it does not see there: hence the log)
dpkg "${dpkg_root[@]}" -i "$deb" >"$scratch/dpkg.log" 2>&1 || { cat "$scratch/dpkg.log"; fail "dpkg -i"; }
export PATH="$root/usr/bin:$PATH"
[[ $(command -v zeroshift) == "$root/usr/bin/zeroshift" ]] || fail "zeroshift is not on PATH"
version=$(zeroshift --version)
echo "$version"
[[ $version == "zeroshift "*$'\n'"libpq "* ]] || fail "unexpected --version output"

echo "== the man page and the completion"
man_page="$root/usr/share/man/man1/zeroshift.1"
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$man_page" 2>/dev/null | grep -q "EXIT STATUS" || fail "man -l $man_page"
fi
completion="$root/usr/share/bash-completion/completions/zeroshift"
bash -n "$completion" || fail "$completion does not parse"
[[ $(bash -c "source '$completion'; COMP_WORDS=(zeroshift dem); COMP_CWORD=1; _zeroshift;
              echo \"\${COMPREPLY[*]}\"") == demo ]] || fail "completion of 'zeroshift dem'"

echo "== zeroshift demo, from a directory that is not the repository"
mkdir "$scratch/elsewhere"
(cd "$scratch/elsewhere" && zeroshift demo --rows 1000) >"$scratch/demo.log" 2>&1 ||
  { cat "$scratch/demo.log"; fail "zeroshift demo"; }
grep -q "users now has columns" "$scratch/demo.log" || { cat "$scratch/demo.log"; fail "demo output"; }
tail -n 3 "$scratch/demo.log"

echo "== dpkg -P"
dpkg "${dpkg_root[@]}" -P zeroshift >"$scratch/dpkg.log" 2>&1 || { cat "$scratch/dpkg.log"; fail "dpkg -P"; }
dpkg "${dpkg_root[@]}" -s zeroshift >/dev/null 2>&1 && fail "zeroshift is still installed"
for file in $(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|'); do
  [[ -d $root$file ]] && continue
  [[ -e $root$file ]] && fail "$root$file is left after dpkg -P"
done
if [[ -n $root ]]; then
  left=$(find "$root" -path "$root/var" -prune -o -print | grep -v "^$root\$" || true)
  [[ -z $left ]] || fail "left after dpkg -P: $left"
fi
echo "deb_package: ok"
