# EtelGo: build, test and packaging. `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO       ?= go
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
FUZZTIME ?= 10s
BENCH    ?= .
BENCHTIME ?= 1s
PKGS     ?= ./...

BIN      := bin
CMDS     := $(patsubst cmd/%/main.go,%,$(wildcard cmd/etl-*/main.go))
LDFLAGS  := -s -w -X github.com/etelgo/etelgo/internal/cli.Version=$(VERSION)

# golangci-lint is looked up on PATH, then where `go install` puts it.
GOLANGCI_LINT := $(shell command -v golangci-lint 2>/dev/null || ls "$$($(GO) env GOPATH)/bin/golangci-lint" 2>/dev/null)

.PHONY: help build test vet unit e2e lint fuzz bench man completions install demo clean

help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## Build every cmd/etl-* into bin/ as static binaries.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/...

test: vet unit e2e ## Run go vet, the unit tests and the end-to-end scripts in tests/.

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test $$($(GO) list $(PKGS) | grep -v '/tests$$')

# The end-to-end scripts build the binaries from cmd/ themselves. The go
# test cache does not see those sources, so the scripts always run.
e2e:
	$(GO) test -count=1 ./tests/...

lint: ## Run golangci-lint with .golangci.yml, or go vet when it is not installed.
ifneq ($(GOLANGCI_LINT),)
	$(GOLANGCI_LINT) run $(PKGS)
else
	@echo "golangci-lint is not installed, so only go vet runs."
	@echo "Install it with: go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0"
	$(GO) vet $(PKGS)
endif

fuzz: ## Run each fuzz target for FUZZTIME (default 10s).
	@{ grep -r --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' . || true; } | sort | \
	while IFS= read -r hit; do \
		dir=$$(dirname "$${hit%%:*}"); \
		target=$${hit##*func }; \
		echo "$(GO) test -run '^\$$' -fuzz '^$$target\$$' -fuzztime $(FUZZTIME) $$dir"; \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) "$$dir"; \
	done

bench: ## Run the benchmarks matching BENCH (default all) with -benchmem.
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) $(PKGS)

man: ## Regenerate man/ from the kong definitions.
	$(GO) run ./internal/suite/gendocs man

completions: ## Regenerate completions/ from the kong definitions.
	$(GO) run ./internal/suite/gendocs completions

install: build ## Install binaries, man pages and completions under DESTDIR/PREFIX.
	install -d "$(DESTDIR)$(PREFIX)/bin" \
		"$(DESTDIR)$(PREFIX)/share/man/man1" \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions" \
		"$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
		"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	for cmd in $(CMDS); do \
		install -m 0755 "$(BIN)/$$cmd" "$(DESTDIR)$(PREFIX)/bin/$$cmd"; \
		if [ -f "man/$$cmd.1" ]; then install -m 0644 "man/$$cmd.1" "$(DESTDIR)$(PREFIX)/share/man/man1/"; fi; \
		if [ -f "completions/$$cmd.bash" ]; then install -m 0644 "completions/$$cmd.bash" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$cmd"; fi; \
		if [ -f "completions/_$$cmd" ]; then install -m 0644 "completions/_$$cmd" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/"; fi; \
		if [ -f "completions/$$cmd.fish" ]; then install -m 0644 "completions/$$cmd.fish" "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/"; fi; \
	done

demo: build ## Start etl-broker, load the wikiticker sample and run the README pipeline.
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/demo.sh

clean: ## Remove bin/ and dist/.
	rm -rf $(BIN) dist

include bench/bench.mk
