# The README's two commands: `make demo` and `make test`. Each installs what is missing first.
SWIFT ?= $(shell command -v swift || echo /opt/swift/usr/bin/swift)

.PHONY: deps demo test bench build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build --product verdant

demo: build
	.build/debug/verdant demo

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

bench: deps
	bash Benchmarks/run.sh
