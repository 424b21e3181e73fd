# axiom-reconcile — build, test, lint, benchmark, demo. See README.md.
SHELL        := /bin/bash
.SHELLFLAGS  := -o pipefail -ec
# Go: $(GO) if set, else the first new-enough of PATH and /usr/local/go; where there is none (a
# fresh Debian 12 has Go 1.19), scripts/ensure-go.sh installs the pinned official toolchain into
# /var/cache/axiom-reconcile from the Go module proxy.
ifeq ($(origin GO),undefined)
GO := $(shell scripts/ensure-go.sh)
endif
ifeq ($(GO),)
$(error no Go toolchain: scripts/ensure-go.sh could not find or install one)
endif
GOFMT   := $(dir $(GO))gofmt
export GO
BIN     := bin/axiom-reconcile
PKGS    := ./...

.PHONY: all build test test-unit test-zfs lint fmt bench demo vm-image fuzz chaos clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/axiom-reconcile

## test: unit tests (no root, no ZFS), then the real-OpenZFS tests (native pool or qemu guest).
test: test-unit test-zfs

## test-unit runs under the race detector, which needs cgo and so a C compiler
## (ensure-test-tools.sh installs it where missing, with the other tools tests run).
test-unit:
	scripts/ensure-test-tools.sh
	CGO_ENABLED=1 $(GO) test -race -count=1 $(PKGS)
	@echo "== the ZFS conformance suite against the in-memory model:"
	@$(GO) test -count=1 -v -run 'TestConformanceModel' ./internal/zfs/zfstest | grep -E '^(---|    ---|ok|FAIL)'

test-zfs:
	scripts/test-realzfs.sh

## lint: go.mod tidy, go vet (both build tags), staticcheck and gofmt.
lint:
	$(GO) mod tidy -diff
	$(GO) vet $(PKGS)
	$(GO) vet -tags realzfs,failpoints $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	$(GO) tool staticcheck -tags realzfs,failpoints $(PKGS)
	@out=$$($(GOFMT) -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

fmt:
	$(GOFMT) -w $$(git ls-files '*.go')
	$(GO) run ./cmd/axiom-reconcile fmt -c examples/workstation
	$(GO) run ./cmd/axiom-reconcile fmt -c examples/buildhost
	$(GO) run ./cmd/axiom-reconcile fmt -c examples/fleet-host
	for d in examples/fleet/common examples/fleet/roles/* examples/fleet/hosts/*; do $(GO) run ./cmd/axiom-reconcile fmt -c "$$d"; done

## bench: pure-Go benchmarks, then the real-ZFS ones (each beside its baseline).
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	scripts/test-realzfs.sh -test.run '^$$' -test.bench . -test.benchtime 5x

## fuzz: every fuzz target for FUZZTIME each (default 10m; CI runs a short form).
FUZZTIME ?= 10m
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## chaos: the chaos test on real OpenZFS for CHAOS_ROUNDS rounds (default 20; make test runs 1).
## CHAOS_SEED replays a run (each logs its seed).
CHAOS_ROUNDS ?= 20
chaos:
	AXIOM_CHAOS_ROUNDS=$(CHAOS_ROUNDS) AXIOM_CHAOS_SEED=$(CHAOS_SEED) scripts/test-realzfs.sh -test.run 'TestChaosReal$$'

## demo: a throwaway pool, the examples applied, status, and a second plan with no changes.
demo: build
	scripts/demo.sh

## vm-image: build (or find in the cache) the qemu guest with OpenZFS used on hosts without ZFS.
vm-image:
	scripts/zfsvm/build-image.sh

clean:
	rm -rf bin .build
