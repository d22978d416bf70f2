# familypath: the two commands are `make up` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help up demo restart down test proto proto-baseline build clean logs env token histories bench-workflows lines chaos

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

up: ## start everything (Postgres, Redis, Temporal dev server, all services) with demo data
	@scripts/stack.sh up

demo: ## on the running stack, take two demo families from identification to a paid result, printing each step (3 minutes)
	@scripts/stack.sh demo

restart: ## rebuild and restart one service after a change, the rest left running: make restart SVC=tracking (or workflow-worker, codec-server)
	@SVC="$(SVC)" scripts/stack.sh restart

down: ## stop exactly what `make up` started
	@scripts/stack.sh down

test: ## run every check and test, as CI does
	@scripts/test.sh

chaos: ## the fault suite: a county and families to payment while every process is killed and restarted (10 minutes): [CHAOS_SEED=N]
	@scripts/chaos.sh

lines: ## break Go lines over 120 columns, as make test checks
	@scripts/lines.sh

proto: ## regenerate proto/gen from proto/familypath
	@scripts/proto.sh generate

proto-baseline: ## accept the current contracts as the breaking-change baseline (deliberately)
	@scripts/proto.sh baseline

build: ## build every binary (static, as the Dockerfile does) into .run/bin
	@scripts/binaries.sh build .run/bin

env: ## print the running stack's environment (eval "$$(make -s env)")
	@scripts/stack.sh env

token: ## print an access token from the development issuer: make token ROLE=caseworker [TEAM=..] [AGENCY=..] [SUB=..]
	@go run ./pkg/platform/auth/cmd/devtoken mint -dir .run/oidc -role "$(ROLE)" $(if $(TEAM),-team "$(TEAM)") $(if $(AGENCY),-agency "$(AGENCY)") $(if $(SUB),-sub "$(SUB)")

histories: ## record workflow histories for the replay tests (a throwaway dev server, synthetic data): [ARGS="-only NAME,..."]
	@scripts/histories.sh $(ARGS)

bench-workflows: ## the workflow worker under load: 10,000 workflows and a signal each (docs/workflows.md)
	@scripts/workflow-bench.sh

logs: ## follow every log of the running stack
	@tail -F .run/logs/*.log

clean: down ## stop the stack and delete its data
	@rm -rf .run
