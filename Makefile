# K3s-DaaS: the two commands a fresh machine needs are `make run` and `make test`.
SWIFT ?= swift
DATA_DIR ?= ./data

.PHONY: deps build run test fuzz bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

## Install what is missing, build, and start daas-master on embedded defaults, with one local
## daas-worker running real containers beside it (as root; scripts/run-local.sh).
run: deps
	$(SWIFT) build -c release --product daasctl
	$(SWIFT) build -c release --product daas-worker
	$(SWIFT) build -c release --product daas-master
	DATA_DIR=$(DATA_DIR) scripts/run-local.sh

## Install what is missing, build, and run every test, then a short fuzz run (2 s per parser).
## The local registry (127.0.0.1:5000) serves the images the real-container tests run.
test: deps
	scripts/local-registry.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	.build/debug/daas-fuzz --seconds 2 --crash-directory .build
	scripts/generate-grpc.sh --check

## The full fuzz run (release): 1,000,000 inputs per parser; figures go to Docs/SECURITY.md.
fuzz: deps
	$(SWIFT) build -c release --product daas-master
	$(SWIFT) build -c release --product daas-fuzz
	.build/release/daas-fuzz --crash-directory .build

## Benchmarks, in release mode (figures go to Docs/PERFORMANCE.md).
bench: deps
	@dpkg-query -W -f='$${Status}' etcd-server 2>/dev/null | grep -q "install ok installed" || apt-get install -y -qq etcd-server
	$(SWIFT) build -c release --product daas-bench
	$(SWIFT) build -c release --product daas-master
	.build/release/daas-bench store
	.build/release/daas-bench api
	.build/release/daas-bench scheduler
	.build/release/daas-bench attest
	.build/release/daas-bench seal

clean:
	rm -rf .build
