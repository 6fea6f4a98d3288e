# bench/local.mk - benchmarks, run by `make bench`. Each prints ratios
# against a baseline measured in the same process; none passes or fails
# on absolute time (DESIGN.md). Results with their command and machine
# are recorded in docs/performance.md.

# Built by `make` with everything else (noinst), so that a bench run by
# hand after `make` is never an older binary than the library it measures.
ds_benches = bench/bench-model-io
noinst_PROGRAMS += $(ds_benches)

bench_bench_model_io_LDADD = $(DS_LIBS) $(DS_DEP_LIBS)

bench: $(ds_benches) cli/dawnsim$(EXEEXT)
	@for b in $(ds_benches); do \
	  DS_SHARED_DATA='$(DS_SHARED_DATA_DIR)' DS_DAWNSIM='$(abs_top_builddir)/cli/dawnsim$(EXEEXT)' \
	  ./$$b || exit 1; \
	done
	@# issue #8's fusion figures are taken over all the cores as well, on
	@# fresh outputs and on outputs kept from run to run (the executor's case)
	./bench/bench-wir --parallel
	./bench/bench-wir --parallel --kept
.PHONY: bench

# PipeDream planning in-process (planner/), against the original's times.
ds_benches += bench/bench-planner
bench_bench_planner_LDADD = tests/libdstest.la $(DS_LIBS) $(DS_DEP_LIBS)

# The discrete-event loop (sim/engine.c): hold model, heap against GSequence.
ds_benches += bench/bench-engine
bench_bench_engine_LDADD = $(DS_LIBS) $(DS_DEP_LIBS)

# The pipeline simulator: events per second, GPT-3 on 1,024 GPUs.
ds_benches += bench/bench-sim
bench_bench_sim_LDADD = tests/libdstest.la $(DS_LIBS) $(DS_DEP_LIBS)

# The executor: a 2-stage pipeline against one stage on this machine.
ds_benches += bench/bench-exec
bench_bench_exec_LDADD = $(DS_LIBS) $(DS_DEP_LIBS)

# explain: MAD + APriori-linear on pre-parsed rows, and `dawnsim explain`
# on a CSV end to end, in rows per second (issue #11).
ds_benches += bench/bench-explain
bench_bench_explain_LDADD = $(DS_LIBS) $(DS_DEP_LIBS)

# Issue #6's 3D searches: GPT-3 13B on 64 and 175B on 1,024 A100s.
ds_benches += bench/bench-plan3d
bench_bench_plan3d_LDADD = $(DS_LIBS) $(DS_DEP_LIBS)

# WIR (issue #8): fused against unfused C kernels and a hand-written loop,
# for bias + GELU + dropout, SGD-momentum and Adam; compile latency.
ds_benches += bench/bench-wir
bench_bench_wir_LDADD = $(DS_LIBS) $(DS_DEP_LIBS)
