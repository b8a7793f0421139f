# Chimera — the two commands of the README.
#   make run   installs what is missing, builds, runs the demo
#   make test  installs test dependencies, runs swift test
# Each installs Debian packages only when missing (as root), or prints the
# exact command to run when not root.

SWIFT       ?= swift
RUN_DEBS    := libelf-dev pkg-config
TEST_DEBS   := libelf-dev pkg-config libunicorn-dev graphviz
PIP_TEST    :=

.PHONY: run test build deps test-deps clean

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
	@for p in $(PIP_TEST); do python3 -c "import $${p%%=*}" 2>/dev/null || python3 -m pip install -q "$$p"; done

build: deps
	$(SWIFT) build -c release --product chimera

run: build
	.build/release/chimera types
	@echo
	.build/release/chimera describe machine

test: test-deps
	$(SWIFT) test

clean:
	rm -rf .build
