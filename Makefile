# hull: a thin wrapper around Meson (DESIGN.md "Contracts").
BUILD := build
ASAN  := build-asan
FUZZ  := build-fuzz
FUZZ_SECONDS ?= 600
HULL  := $(BUILD)/src/cli/hull

.PHONY: all setup check demo bench clean format fuzz

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

setup:
	@scripts/setup

$(BUILD)/build.ninja: | setup
	meson setup $(BUILD) --buildtype=release -Dwerror=true

# The separate AddressSanitizer + UndefinedBehaviorSanitizer build, at -O1 as
# the sanitizers' documentation advises: a fifth less CPU per test than -O0,
# and make check's time is CPU-bound on 2 cores. The sanitizer runtimes are
# linked statically: a process that exits starts and scans less (62 against 86
# ms for `hull --version` with LeakSanitizer; libasan.so loads libstdc++). It is
# not position-independent: ASan's instrumented globals gave the PIE 151,000
# relative relocations, and applying them (with the page faults they cause)
# was a third of each start (57 against 43 ms for `hull --version`). The
# release build stays PIE.
$(ASAN)/build.ninja: | setup
	meson setup $(ASAN) --buildtype=debug -Doptimization=1 -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Db_staticpic=false -Dc_args=-fno-pie -Dc_link_args='-static-libasan -static-libubsan -no-pie'

asan: $(ASAN)/build.ninja
	ninja -C $(ASAN)

check: all asan
	tests/run-checks $(BUILD) $(ASAN)

# libFuzzer targets (clang + ASan/UBSan), each run for FUZZ_SECONDS (tests/fuzz/run).
$(FUZZ)/build.ninja:
	@scripts/setup fuzz
	CC=clang meson setup $(FUZZ) --buildtype=debug -Dwerror=true -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false

fuzz: $(FUZZ)/build.ninja
	ninja -C $(FUZZ) tests/fuzz/fuzz-dockerfile tests/fuzz/fuzz-shell-word tests/fuzz/fuzz-www-auth tests/fuzz/fuzz-load tests/fuzz/fuzz-reference tests/fuzz/fuzz-manifest tests/fuzz/fuzz-tar-split tests/fuzz/fuzz-gitsrc tests/fuzz/fuzz-run-mount tests/fuzz/fuzz-log-reader tests/fuzz/fuzz-template tests/fuzz/fuzz-port-spec tests/fuzz/fuzz-mount-spec tests/fuzz/fuzz-dockerignore tests/fuzz/fuzz-layer-apply
	tests/fuzz/run $(FUZZ) $(FUZZ_SECONDS)

demo: all
	HULL=$(CURDIR)/$(HULL) examples/cmd-vs-entrypoint/demo

# every executable under bench/ (each prints medians and ratios; none asserts a time)
bench: all
	@set -e; for b in bench/*; do [ -x "$$b" ] || continue; echo "== $$b"; HULL=$(CURDIR)/$(HULL) "$$b"; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
