# The plugin's own targets first; Rapid7's image/tarball/export targets are below.
# insight-plugin refresh never overwrites an existing Makefile, so this one is handwritten.
VERSION?=$(shell grep '^version: ' plugin.spec.yaml | sed 's/version: //')
NAME?=$(shell grep '^name: ' plugin.spec.yaml | sed 's/name: //')
VENDOR?=$(shell grep '^vendor: ' plugin.spec.yaml | sed 's/vendor: //')
PKG=$(VENDOR)-$(NAME)-$(VERSION).tar.gz

.DEFAULT_GOAL := help

help:
	@echo "make demo         run every action, the trigger and the task against a local real Sentry 9.1.2 (installs it the first time)"
	@echo "make test         unit, contract, fault and real-server tests (starts Sentry 9.1.2 and Bugsink)"
	@echo "make unit         the tests that need no server"
	@echo "make messages     ready-to-run messages for the local Sentry in messages/ (every action, the trigger, the task)"
	@echo "make http         http mode on 127.0.0.1 only (PORT=10001); bin/komand_sentry http alone listens on every interface"
	@echo "make clone-check  the server-free suites from a fresh clone of HEAD in an empty folder (what CI runs)"
	@echo "make regenerate   regenerate schemas, bin/, help.md, setup.py, Dockerfile, .CHECKSUM from plugin.spec.yaml"
	@echo "make validate     Rapid7's validators, offline (network look-ups neutralised)"
	@echo "make bench        benchmarks (figures in bench/results/); make bench-watch (trigger, task), make bench-bulk (Bulk Update)"
	@echo "make servers / make stop-servers"

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

unit:
	bash scripts/plugin-venv.sh && .venv/bin/python -m pytest -q unit_test

messages:
	bash scripts/plugin-venv.sh && bash scripts/sentry9.sh && .venv/bin/python scripts/messages.py

PORT?=10001
http:
	bash scripts/plugin-venv.sh && bash scripts/http.sh $(PORT)

clone-check:
	bash scripts/clone-check.sh

regenerate:
	bash scripts/regenerate.sh

validate:
	bash scripts/validate.sh

bench:
	bash scripts/bench.sh

bench-watch:
	bash scripts/plugin-venv.sh && .venv/bin/python bench/bench_watch.py

bench-bulk:
	bash scripts/plugin-venv.sh && .venv/bin/python bench/bench_bulk.py

servers:
	bash scripts/sentry9.sh && bash scripts/bugsink.sh

stop-servers:
	bash scripts/sentry9.sh stop; bash scripts/bugsink.sh stop

tarball:
	$(info [*] Creating plugin tarball)
	rm -rf build
	rm -rf $(PKG)
	tar -cvzf $(PKG) --exclude=$(PKG) --exclude=tests --exclude=run.sh --exclude=.venv --exclude=.venv-tools \
	    --exclude=.servers --exclude=bench --exclude=scripts --exclude=testkit *

image:
	$(info [*] Building plugin image)
	docker build --pull -t $(VENDOR)/$(NAME):$(VERSION) .
	docker tag $(VENDOR)/$(NAME):$(VERSION) $(VENDOR)/$(NAME):latest

export: image
	$(info [*] Exporting docker image)
	@printf "\n ---> Exporting Docker image to ./$(VENDOR)_$(NAME)_$(VERSION).tar\n"
	@docker save $(VENDOR)/$(NAME):$(VERSION) | gzip > $(VENDOR)_$(NAME)_$(VERSION).tar

.PHONY: help demo test unit messages http clone-check regenerate validate bench bench-watch bench-bulk servers stop-servers tarball image export
