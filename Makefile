# make demo   set-up, build, then the lab: the seed's naive script vs the zeroshift migration
#             under live client traffic on a throwaway PostgreSQL, side by side (~1.5 min)
# make test   set-up, build, then every test (CTest)
# make bench  set-up, build, then the five benchmark figures into bench/results/
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup build test demo format format-check asan clean bench

all: build

setup:
	@bash scripts/setup-debian.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	$(BUILD)/zeroshift lab --headless --rows 1000000 --report $(BUILD)/lab/report.json

# The five benchmark figures of issue 4 into bench/results/ (~10 min on 2 cores);
# BENCH_QUICK=1 for a few-minute smoke run into $(BUILD)/bench-results-quick/.
bench: build
	$(BUILD)/zeroshift_bench $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check: setup
	git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DZS_ASAN=ON"

clean:
	rm -rf $(BUILD) build-asan

# Fuzzes `zeroshift lint` (fuzz/lint_fuzz.cc) with libFuzzer, ASan and UBSan for
# FUZZ_SECONDS (60 by default) and prints how many inputs ran; a crash is saved
# as $(FUZZ_BUILD)/crash-* with the input that caused it. Needs clang.
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
.PHONY: fuzz-lint lint-vs-squawk
fuzz-lint:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DZS_FUZZ=ON -DZS_ASAN=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target lint_fuzz
	mkdir -p $(FUZZ_BUILD)/corpus
	cd $(FUZZ_BUILD) && ./lint_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -timeout=10 -rss_limit_mb=4096 corpus $(CURDIR)/fuzz/corpus > fuzz.log 2>&1; status=$$?; \
	  grep -E "^stat::|^==[0-9]+==ERROR|^SUMMARY" fuzz.log; \
	  echo "fuzz log: $(FUZZ_BUILD)/fuzz.log"; exit $$status

# zeroshift lint vs squawk (npm squawk-cli) on the same files and a 10 000-statement
# file; results in bench/results/lint_vs_squawk.md.
lint-vs-squawk: build
	bash bench/lint_vs_squawk.sh $(BUILD)/zeroshift
