# seawall — the one entry point. `make help` lists the targets.
# `make test` sets up everything it needs on a fresh machine (Rust toolchain
# assumed; Python venv, npm packages, Debian packages installed here).

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: help test test-rust test-loom test-stress test-conformance lint soak \
        bench bench-rust demo deps-debian

help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

test: lint test-rust test-loom test-stress ## everything CI runs
	@echo "make test: all suites passed"

lint: ## rustfmt check + clippy (denies unwrap/panic/indexing in core)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: ## unit, property, doc and conformance tests of the core; README examples
	$(CARGO) test --workspace
	$(CARGO) run -q -p seawall --example quickstart
	python3 scripts/check-readme.py

test-conformance: ## only the spec/vectors runner against core
	$(CARGO) test -p seawall-tests --test conformance -- --nocapture

test-loom: ## loom models of the atomics (cfg seawall_loom)
	RUSTFLAGS="--cfg seawall_loom" CARGO_TARGET_DIR=target/loom \
	  $(CARGO) test -p seawall --release --test 'loom_*'

test-stress: ## multi-threaded stress tests on real threads (release)
	$(CARGO) test -p seawall --release --test 'stress_*'

soak: ## long soaks, not part of `make test`
	SEAWALL_SOAK=1 $(CARGO) test -p seawall --release --test 'stress_*' -- --ignored

bench: bench-rust ## all benchmarks

bench-rust: ## criterion: core next to governor, recloser, failsafe, tokio, backon; then interleaved ratios
	$(CARGO) bench -p seawall-benches --bench core
	scripts/bench-ratios.sh

# ---- C ABI -----------------------------------------------------------------
CBINDGEN_VERSION := 0.29.4
CBINDGEN := .tools/bin/cbindgen
LIBDIR := target/release

$(CBINDGEN):
	$(CARGO) install cbindgen --version $(CBINDGEN_VERSION) --locked --root .tools

.PHONY: header check-header lib-c install-c test-c
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PREFIX ?= /usr/local

lib-c: ## build libseawall.so and libseawall.a (release)
	$(CARGO) build --release -p seawall-c

install-c: lib-c ## install lib, header and seawall.pc under PREFIX (default /usr/local)
	install -d $(PREFIX)/lib/pkgconfig $(PREFIX)/include
	install -m 644 $(LIBDIR)/libseawall.a $(PREFIX)/lib/
	install -m 755 $(LIBDIR)/libseawall.so $(PREFIX)/lib/
	install -m 644 include/seawall.h $(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@VERSION@|$(VERSION)|' bindings-c/seawall.pc.in > $(PREFIX)/lib/pkgconfig/seawall.pc

header: $(CBINDGEN) ## regenerate include/seawall.h with the pinned cbindgen
	$(CBINDGEN) --config bindings-c/cbindgen.toml --crate seawall-c --output include/seawall.h bindings-c

check-header: $(CBINDGEN) ## fail if include/seawall.h is stale
	$(CBINDGEN) --config bindings-c/cbindgen.toml --crate seawall-c --output target/seawall.h.fresh bindings-c
	@diff -u include/seawall.h target/seawall.h.fresh || { echo "include/seawall.h is stale: run 'make header' and commit it"; exit 1; }
