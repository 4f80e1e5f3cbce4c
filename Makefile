# seawall — the one entry point. `make help` lists the targets.
# `make test` sets up everything it needs on a fresh machine (Rust toolchain
# assumed; Python venv, npm packages, Debian packages installed here).

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: help test test-rust test-loom test-stress test-conformance lint soak \
        bench bench-rust demo deps-debian test-python bench-python

help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

test: lint test-rust test-loom test-stress test-python ## everything CI runs
	@echo "make test: all suites passed"

lint: ## rustfmt check + clippy (denies unwrap/panic/indexing in core)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: ## unit, property, doc and conformance tests of the core
	$(CARGO) test --workspace

test-conformance: ## only the spec/vectors runner against core
	$(CARGO) test -p seawall-tests --test conformance -- --nocapture

test-loom: ## loom models of the atomics (cfg seawall_loom)
	RUSTFLAGS="--cfg seawall_loom" CARGO_TARGET_DIR=target/loom \
	  $(CARGO) test -p seawall --release --test 'loom_*'

test-stress: ## multi-threaded stress tests on real threads (release)
	$(CARGO) test -p seawall --release --test 'stress_*'

soak: ## long soaks, not part of `make test`
	SEAWALL_SOAK=1 $(CARGO) test -p seawall --release --test 'stress_*' -- --ignored

test-python: ## Python wheel: build, install into bindings-python/.venv, stubtest, pytest
	$(MAKE) -C bindings-python test

bench-python: ## Python: seawall next to pybreaker, circuitbreaker, limits, tenacity
	$(MAKE) -C bindings-python bench-python

bench: bench-rust ## all benchmarks

bench-rust: ## criterion: core next to governor, recloser, failsafe, tokio, backon
	$(CARGO) bench -p seawall-benches
