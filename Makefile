# Chimera — the commands of the README.
#   make run   installs what is missing, builds, runs the demo
#   make test  installs test dependencies, fetches the Linux guest, runs swift test
#   make bench installs QEMU, builds release, runs chimera-bench io and cores
# Each installs Debian packages only when missing (as root), or prints the
# exact command to run when not root.

SWIFT       ?= swift
RUN_DEBS    := libelf-dev libfdt-dev zlib1g-dev pkg-config
TEST_DEBS   := libelf-dev libfdt-dev zlib1g-dev pkg-config libunicorn-dev graphviz qemu-system-arm python3-pip \
               device-tree-compiler gdb-multiarch
PIP_TEST    := qemu.qmp
BENCH_DEBS  := libelf-dev libfdt-dev zlib1g-dev pkg-config libunicorn-dev qemu-system-x86 qemu-system-arm
DEMO        := --kernel arm=kernels/build/arm-demo.elf --kernel x86=kernels/build/x86-demo.elf

.PHONY: run test build deps test-deps bench bench-deps kernels guests clean fuzz fuzz-smoke

# Seconds per fuzz harness: a short bounded run in `make test`, a long one in `make fuzz`.
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_SECONDS       ?= 3600

define ensure_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call ensure_debs,$(RUN_DEBS))

test-deps:
	$(call ensure_debs,$(TEST_DEBS))
	@python3 -c "import qemu.qmp" 2>/dev/null || python3 -m pip install -q $(PIP_TEST) \
	  || python3 -m pip install -q --break-system-packages $(PIP_TEST)

bench-deps:
	$(call ensure_debs,$(BENCH_DEBS))

build: deps
	$(SWIFT) build -c release --product chimera

kernels:
	$(MAKE) -s -C kernels

# The heterogeneous demo: an AArch64 and an x86-64 kernel play ping-pong
# through the mailbox and shared RAM, each printing on its own UART.
run: build kernels
	.build/release/chimera run hetero $(DEMO)

# The Linux guest: Debian's cloud arm64 kernel and a busybox initramfs,
# fetched once into .cache/guests (Documentation/Linux.md); a no-op when cached.
guests:
	sh Tests/Guests/fetch.sh

# swift test runs every test target; the QMP test then drives a real
# `chimera run hetero --qmp … --preconfig` with QEMU's own Python client.
test: test-deps kernels guests
	$(SWIFT) test
	python3 Tests/Python/test_qmp.py --chimera .build/debug/chimera --board hetero $(addprefix --run-arg=,$(DEMO))
	$(MAKE) fuzz-smoke

# Numbers, not tests (Documentation/Performance.md): ns per device access
# against QEMU on the same ELFs (issue 19), then the cores against Unicorn.
bench: bench-deps
	$(SWIFT) build -c release --product chimera-bench
	.build/release/chimera-bench io
	.build/release/chimera-bench cores

# libFuzzer harnesses (Sources/Fuzz, Documentation/Limits.md "Fuzzing"), built
# in .build-fuzz with the fuzzer and address sanitizers.
fuzz-smoke: kernels
	SWIFT=$(SWIFT) Tests/Fuzz/run.sh $(FUZZ_SMOKE_SECONDS)

# A local campaign: make fuzz FUZZ_SECONDS=7200, or FUZZ_RUNS=1000000 make fuzz.
fuzz: kernels
	SWIFT=$(SWIFT) Tests/Fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build .build-fuzz kernels/build
