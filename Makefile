# seawall — the one entry point. `make help` lists the targets.
# `make test` sets up everything it needs on a fresh machine (Rust toolchain
# assumed; Python venv, npm packages, Debian packages installed here).

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: help test test-rust test-loom test-stress test-conformance test-surface lint soak \
        bench bench-rust demo deps-debian test-python bench-python

help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

test: lint test-rust test-loom test-stress test-c test-go test-java test-node test-python demo-smoke ## everything CI runs
	@echo "make test: all suites passed"

lint: ## rustfmt check + clippy (denies unwrap/panic/indexing in core)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: deps-redis ## unit, property, doc and conformance tests of the core (Redis backend against a real redis-server); README examples
	SEAWALL_REQUIRE_REDIS=1 $(CARGO) test --workspace
	$(CARGO) run -q -p seawall --example quickstart
	python3 scripts/check-readme.py

test-conformance: ## only the spec/vectors runner against core
	$(CARGO) test -p seawall-tests --test conformance -- --nocapture

test-surface: ## config fields (seawall::surface) and error kinds spelled alike in core, C, Python and Node; tables vs defaults and validation
	$(CARGO) test -p seawall-tests --test surface

test-loom: ## loom models of the atomics (cfg seawall_loom)
	RUSTFLAGS="--cfg seawall_loom" CARGO_TARGET_DIR=target/loom \
	  $(CARGO) test -p seawall --release --test 'loom_*'

test-stress: ## multi-threaded stress tests on real threads (release)
	$(CARGO) test -p seawall --release --test 'stress_*'

soak: ## long soaks, not part of `make test`
	SEAWALL_SOAK_SECS=$${SEAWALL_SOAK_SECS:-60} $(CARGO) test -p seawall --release --test stress_soak -- --ignored --nocapture

test-python: deps-redis ## Python wheel: build, install into bindings-python/.venv, stubtest, pytest (Redis backend against a real redis-server); README example
	SEAWALL_REQUIRE_REDIS=1 $(MAKE) -C bindings-python test
	cd examples/python && ../../bindings-python/.venv/bin/python quickstart.py
	cd examples/python && ../../bindings-python/.venv/bin/python asgi_rate_limit.py

bench-python: ## Python: seawall next to pybreaker, circuitbreaker, limits, tenacity
	$(MAKE) -C bindings-python bench-python

bench: bench-rust bench-python bench-node bench-go bench-java ## all benchmarks

bench-java: test-java ## Java: seawall next to Resilience4j in one JVM, interleaved (benches/java; BENCHMARKS.md)
	cd benches/java && $(MVN) $(MVNFLAGS) compile exec:java -Djna.library.path=$(CURDIR)/$(LIBDIR)

bench-go: lib-c ## Go: seawall next to golang.org/x/time/rate and sony/gobreaker (benches/go; BENCHMARKS.md)
	mkdir -p target
	cd benches/go && $(GOENV_SW) $(GO) test -run '^$$' -bench . -count $${COUNT:-10} | tee $(CURDIR)/target/go-bench.txt
	python3 benches/go/summary.py < target/go-bench.txt

bench-redis: deps-redis ## Redis backend next to limits (Python) and rate-limiter-flexible (Node) against one local Redis (BENCHMARKS.md)
	$(MAKE) -C bindings-python install
	$(MAKE) -C bindings-node build
	ROUNDS=3 bash benches/redis/run.sh

bench-rust: lib-c ## criterion: core next to governor, recloser, failsafe, tokio, backon; interleaved ratios; C ABI next to core
	$(CARGO) bench -p seawall-benches --bench core
	scripts/bench-ratios.sh
	$(CARGO) bench -p seawall-benches --bench c_abi

# ---- C ABI -----------------------------------------------------------------
CBINDGEN_VERSION := 0.29.4
CBINDGEN := .tools/bin/cbindgen
LIBDIR := target/release

$(CBINDGEN):
	$(CARGO) install cbindgen --version $(CBINDGEN_VERSION) --locked --root .tools


.PHONY: deps-redis test-redis bench-redis
.PHONY: header check-header lib-c lib-c-test install-c test-c test-c-asan fuzz-c test-go test-java deps-c
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PREFIX ?= /usr/local
HOOKS_LIBDIR := target/hooks/release
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))

lib-c: ## build libseawall.so (SONAME libseawall.so.N) and libseawall.a (release)
	$(CARGO) build --release -p seawall-c
	ln -sfn libseawall.so $(LIBDIR)/libseawall.so.$(SOMAJOR)

lib-c-test: ## the library the C, Go and Java suites link: release + seawall_test_panic (target/hooks)
	CARGO_TARGET_DIR=target/hooks $(CARGO) build --release -p seawall-c --features test-hooks
	ln -sfn libseawall.so $(HOOKS_LIBDIR)/libseawall.so.$(SOMAJOR)

install-c: lib-c ## install lib, header and seawall.pc under PREFIX (default /usr/local)
	install -d $(PREFIX)/lib/pkgconfig $(PREFIX)/include
	install -m 644 $(LIBDIR)/libseawall.a $(PREFIX)/lib/
	install -m 755 $(LIBDIR)/libseawall.so $(PREFIX)/lib/libseawall.so.$(VERSION)
	ln -sfn libseawall.so.$(VERSION) $(PREFIX)/lib/libseawall.so.$(SOMAJOR)
	ln -sfn libseawall.so.$(SOMAJOR) $(PREFIX)/lib/libseawall.so
	install -m 644 include/seawall.h $(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@VERSION@|$(VERSION)|' bindings-c/seawall.pc.in > $(PREFIX)/lib/pkgconfig/seawall.pc

header: $(CBINDGEN) ## regenerate include/seawall.h with the pinned cbindgen
	$(CBINDGEN) --config bindings-c/cbindgen.toml --crate seawall-c --output include/seawall.h bindings-c
	python3 bindings-c/config_defaults.py include/seawall.h

check-header: $(CBINDGEN) ## fail if include/seawall.h is stale
	$(CBINDGEN) --config bindings-c/cbindgen.toml --crate seawall-c --output target/seawall.h.fresh bindings-c
	python3 bindings-c/config_defaults.py target/seawall.h.fresh
	@diff -u include/seawall.h target/seawall.h.fresh || { echo "include/seawall.h is stale: run 'make header' and commit it"; exit 1; }

deps-redis: ## Debian redis-server (and openssl, for the TLS tests' throwaway CA) for the Redis backend's tests (each test starts its own on a random port)
	bash scripts/deps-debian.sh redis-server openssl

test-redis: deps-redis ## only the Redis backend's tests and its conformance vectors
	SEAWALL_REQUIRE_REDIS=1 $(CARGO) test -p seawall-tests --test 'redis_*'

deps-c: ## Debian packages the C suite needs (cJSON, pkg-config, valgrind)
	bash scripts/deps-debian.sh libcjson-dev pkg-config valgrind

test-c: deps-c deps-redis lib-c lib-c-test check-header ## C suite: API, NULL args, threads, vectors (heap, region, Redis), fork, fuzz; shared + static; valgrind; ASan+UBSan; pkg-config
	SEAWALL_REQUIRE_REDIS=1 $(MAKE) -C tests/c all
	SEAWALL_REQUIRE_REDIS=1 $(MAKE) -C tests/c asan
	@if nm -D --defined-only $(LIBDIR)/libseawall.so | grep -q seawall_test_panic; then \
	  echo "the release library exports seawall_test_panic"; exit 1; fi
	@readelf -d $(LIBDIR)/libseawall.so | grep -q 'SONAME.*libseawall.so.$(SOMAJOR)]' || \
	  { echo "libseawall.so has no SONAME libseawall.so.$(SOMAJOR)"; exit 1; }
	bash tests/c/pkgconfig_test.sh

test-c-asan: deps-c lib-c-test ## only the C suite under -fsanitize=address,undefined
	$(MAKE) -C tests/c asan

FUZZ_SECS ?= 600
fuzz-c: deps-c lib-c-test ## the seeded random-call fuzzer under ASan for FUZZ_SECS (default 600 s)
	$(MAKE) -C tests/c fuzz FUZZ_SECS=$(FUZZ_SECS)

GO ?= go
GOENV_SW := GOCACHE=$(CURDIR)/target/go-cache GOFLAGS=-mod=mod
test-go: lib-c lib-c-test deps-redis ## Go package bindings-go (go vet, go test -race: every primitive, regions across processes, Redis against a real redis-server, examples; panic hook from target/hooks) and examples/go
	cd bindings-go && $(GOENV_SW) $(GO) vet ./... && SEAWALL_REQUIRE_REDIS=1 $(GOENV_SW) $(GO) test -race -count=1 -tags seawall_testhooks ./...
	cd examples/go && $(GOENV_SW) $(GO) test -race -count=1 ./... && $(GOENV_SW) $(GO) run .

MVN ?= mvn
MVNFLAGS := -q -B -Dstyle.color=never
test-java: lib-c lib-c-test deps-redis ## Java library bindings-java (JUnit 5: every primitive, 8 threads, regions across processes, Redis against a real redis-server; installed locally), then examples/java
	cd bindings-java && SEAWALL_REQUIRE_REDIS=1 $(MVN) $(MVNFLAGS) -Djna.library.path=$(CURDIR)/$(HOOKS_LIBDIR) install
	cd examples/java && $(MVN) $(MVNFLAGS) -Djna.library.path=$(CURDIR)/$(LIBDIR) test

# ---- Node addon (bindings-node/) -------------------------------------------
.PHONY: test-node bench-node
test-node: deps-redis ## Node addon: npm ci, build, pack, install the tarball in a temp folder, node --test + tsc (Redis backend against a real redis-server); README example
	SEAWALL_REQUIRE_REDIS=1 $(MAKE) -C bindings-node test
	mkdir -p target/node-path && ln -sfn ../../bindings-node target/node-path/seawall
	NODE_PATH=target/node-path node examples/node/quickstart.js

bench-node: ## Node: seawall next to cockatiel, opossum, limiter (bindings-node/BENCHMARKS.md)
	$(MAKE) -C bindings-node bench

# ---- demo ------------------------------------------------------------------
.PHONY: demo demo-smoke demo-build demo-distributed
DEMO_PY := bindings-python/.venv/bin/python
DEMO_OUT := target/demo

demo-build: deps-c lib-c ## build what the demo needs (wheel in the venv, Node addon, C client)
	$(MAKE) -C bindings-python install
	$(DEMO_PY) -m pip install -q --disable-pip-version-check -r demo/requirements.txt
	$(MAKE) -C bindings-node build
	mkdir -p $(DEMO_OUT)
	cc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude demo/client.c -o $(DEMO_OUT)/client_c \
	  $(LIBDIR)/libseawall.a -lcjson -lpthread -ldl -lm

demo: demo-build ## the main job: ~1 minute, then the shared-state act (30 s); clients serve /metrics, live view read from it, summaries, charts (target/demo/*.png)
	$(DEMO_PY) demo/run.py --out $(DEMO_OUT)
	$(DEMO_PY) demo/run.py --shared --duration 30 --out $(DEMO_OUT)

demo-distributed: deps-redis lib-c ## one limit shared by Python, Node and Go processes through a local Redis, then Redis killed and restarted (~20 s; MODE=local|closed|open)
	$(MAKE) -C bindings-python install
	$(MAKE) -C bindings-node build
	mkdir -p $(DEMO_OUT) && cd demo/go && $(GOENV_SW) $(GO) build -o $(CURDIR)/$(DEMO_OUT)/go-client .
	$(DEMO_PY) demo/distributed.py --mode $${MODE:-local}

demo-smoke: demo-build ## a 10-second run of the demo with its checks, /metrics scraped and checked (part of make test)
	$(DEMO_PY) demo/run.py --smoke --out $(DEMO_OUT)/smoke
	$(DEMO_PY) demo/run.py --smoke --shared --out $(DEMO_OUT)/smoke
