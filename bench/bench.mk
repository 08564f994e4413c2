# Side-by-side benchmarks of EtelGo against jq, gojq, mlr, Benthos and
# kcat, run by bench/compare.sh. The Makefile includes this file.

BENCH_SIZE ?= 1GB
BENCH_RUNS ?= 5

.PHONY: bench-compare

bench-compare: ## Benchmark against the peers and update docs/benchmarks.md (BENCH_SIZE=100MB for a quick run).
	BENCH_SIZE='$(BENCH_SIZE)' BENCH_RUNS='$(BENCH_RUNS)' GO='$(GO)' bash bench/compare.sh
