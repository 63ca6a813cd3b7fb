# make demo   set-up, build, then the lab: the seed's naive script vs the zeroshift migration
#             under live client traffic on a throwaway PostgreSQL, side by side (~2.5 min from a fresh clone)
# make test   set-up, build, then every test (CTest)
# make bench  set-up, build, then the five benchmark figures into bench/results/
# make install   the binary, man page and bash completion under PREFIX (/usr/local), DESTDIR
# make deb       $(BUILD)/packages/zeroshift_<version>-1_<arch>.deb
BUILD ?= build
# ccache (see CMakeLists.txt) finds the same objects from any checkout's path.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup build test demo format format-check asan clean bench install deb
PREFIX ?= /usr/local

all: build

setup:
	@bash scripts/setup-debian.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Builds only the binary the demo runs (not the tests or the benchmarks).
demo: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target zeroshift
	$(BUILD)/zeroshift lab --headless --rows 1000000 --report $(BUILD)/lab/report.json

# The binary, its man page and its bash completion (both generated from the binary's own
# help) under $(DESTDIR)$(PREFIX): bin/, share/man/man1/, share/bash-completion/completions/;
# the binary without its debugging symbols (4 MB instead of 170).
install: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target zeroshift zeroshift_docs
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)" --strip

# The Debian package of what install installs, under /usr (CPack; Depends from
# dpkg-shlibdeps, Recommends postgresql). scripts/test-deb.sh (CTest deb_package) installs,
# runs and purges it.
deb: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target zeroshift zeroshift_docs
	cd $(BUILD) && cpack -G DEB -B packages
	@ls -l $(BUILD)/packages/*.deb

# The five benchmark figures of issue 4 into bench/results/ (~10 min on 2 cores);
# BENCH_QUICK=1 for a few-minute smoke run into $(BUILD)/bench-results-quick/.
bench: build
	$(BUILD)/zeroshift_bench $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check: setup
	git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

# Sanitizer builds, at -O0: an optimised ASan+UBSan build compiles 2.5 times
# slower than -O0 does, and the suite is bound by PostgreSQL, not by our CPU.
# make asan: the suites that exercise our own code (CMakeLists.txt lists the ones
# left out: those that wait on PostgreSQL or child processes) under AddressSanitizer
# and UndefinedBehaviorSanitizer
# (any report aborts the test); the Debian package test (label `package`) runs in
# `make test` only: it packages the release build. make tsan: the threaded parts under
# ThreadSanitizer (CMakeLists.txt lists which tests).
SANITIZER_FLAGS = -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1"
.PHONY: tsan
asan: setup
	cmake -S . -B build-asan -DZS_ASAN=ON $(SANITIZER_FLAGS)
	cmake --build build-asan -j $(JOBS) --target zeroshift zeroshift_tests
	cd build-asan && ctest --output-on-failure -j $(JOBS) -LE 'package|unity'

tsan: setup
	cmake -S . -B build-tsan -DZS_TSAN=ON $(SANITIZER_FLAGS)
	cmake --build build-tsan -j $(JOBS) --target zeroshift zeroshift_tests
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS) -E lab_e2e -LE 'package|unity'

clean:
	rm -rf $(BUILD) build-asan build-tsan $(FUZZ_BUILD)

# The libFuzzer targets of fuzz/ (lint_fuzz: `zeroshift lint` and convert;
# migration_fuzz: the migration file reader; expression_fuzz: the checks of
# user SQL), built with clang, ASan and UBSan in $(FUZZ_BUILD) and run for
# FUZZ_SECONDS each (60 by default) by scripts/fuzz.sh, which prints one
# "fuzz: <target> <N> runs, <M> s, no crash" line per target and fails if any
# crashed; a crash is saved as $(FUZZ_BUILD)/<target>-crash-* with the input
# that caused it. `make fuzz-lint` runs the linter's alone.
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
FUZZ_TARGETS = lint_fuzz migration_fuzz expression_fuzz
FUZZ_RUN = FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) bash scripts/fuzz.sh
.PHONY: fuzz fuzz-lint lint-vs-squawk
fuzz: setup
	$(FUZZ_RUN) $(FUZZ_TARGETS)

fuzz-lint: setup
	$(FUZZ_RUN) lint_fuzz

# zeroshift lint vs squawk (npm squawk-cli) on the same files and a 10 000-statement
# file; results in bench/results/lint_vs_squawk.md.
lint-vs-squawk: build
	bash bench/lint_vs_squawk.sh $(BUILD)/zeroshift
