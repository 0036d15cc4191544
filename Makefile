# hwcov — build, test and demo. Everything a fresh machine needs (Go modules,
# the Python virtual environment with pinned torch + transformers) is installed
# by these targets.

SHELL        := /bin/bash
PYTHON       ?= python3
VENV         := .venv
VENV_PY      := $(VENV)/bin/python
VENV_STAMP   := $(VENV)/.hwcov-installed
REQUIREMENTS := runners/python/requirements.txt
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS      := -X github.com/hwcov/hwcov/internal/face/cli.Version=$(VERSION)
DB           ?= ./benchmark_db.duckdb
GO_TEST_FLAGS ?= -race -shuffle=on -count=1 -timeout 40m

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HWCOV_PYTHON := $(CURDIR)/$(VENV_PY)

.PHONY: all build venv browsers demo test test-go test-python lint fmt tidy-check clean

all: build

## build: compile bin/hwcov
build:
	go build -ldflags '$(LDFLAGS)' -o bin/hwcov ./cmd/hwcov

## venv: create .venv with the pinned Python packages (torch, transformers, ...)
venv: $(VENV_STAMP)

$(VENV_STAMP): $(REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(VENV_PY) -m pip install --quiet --disable-pip-version-check -r $(REQUIREMENTS)
	$(VENV_PY) -m pip install --quiet --disable-pip-version-check --no-deps -e runners/python
	touch $@

## browsers: Debian chromium (webgpu), the pinned Chromium for webnn, runners/web node_modules (idempotent)
browsers:
	bash scripts/install-browsers.sh

## demo: install, build, run the key models on this machine's CPU into ./benchmark_db.duckdb, print the matrix
demo: venv build
	bin/hwcov run --priority key --hardware cpu --db $(DB)
	bin/hwcov report matrix --db $(DB)

## test: every check CI runs
test: venv browsers lint test-go test-python

test-go:
	go test $(GO_TEST_FLAGS) ./...

test-python: venv
	$(VENV_PY) -m pytest -q runners/python/tests

## lint: gofmt, go vet, go mod tidy must leave no change
lint: tidy-check
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.venv/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	cd tools/actionlint && go vet ./...

# tidy-check: go mod tidy must leave go.mod/go.sum unchanged in every module
# (the main one and the tool modules under tools/).
tidy-check:
	@for m in . tools tools/actionlint; do \
	  (cd $$m && cp go.mod /tmp/hwcov-go.mod.bak && cp go.sum /tmp/hwcov-go.sum.bak && go mod tidy && \
	   if ! cmp -s go.mod /tmp/hwcov-go.mod.bak || ! cmp -s go.sum /tmp/hwcov-go.sum.bak; then \
	     echo "go mod tidy changed $$m/go.mod or go.sum: run it there and commit"; \
	     cp /tmp/hwcov-go.mod.bak go.mod; cp /tmp/hwcov-go.sum.bak go.sum; exit 1; fi) || exit 1; \
	done

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin $(DB)
