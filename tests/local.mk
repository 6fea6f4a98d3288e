# tests/local.mk - GTest programs under automake's TAP driver, plus the
# fuzz targets replaying their saved corpora.
#
# DS_SHARED_DATA points at ../shared/data; G_DEBUG and MALLOC_* follow
# GLib's glib-tap.mk; DS_DEBUG_CHECK=1 runs the invariant checkers.

LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
AM_TESTS_ENVIRONMENT = \
	G_TEST_SRCDIR='$(abs_top_srcdir)/tests' \
	G_TEST_BUILDDIR='$(abs_top_builddir)/tests' \
	DS_SHARED_DATA='$(DS_SHARED_DATA_DIR)' \
	DS_BUILDDIR='$(abs_top_builddir)' \
	G_DEBUG=gc-friendly MALLOC_CHECK_=2 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	DS_DEBUG_CHECK=1; \
	export G_TEST_SRCDIR G_TEST_BUILDDIR DS_SHARED_DATA DS_BUILDDIR G_DEBUG \
	MALLOC_CHECK_ UBSAN_OPTIONS DS_DEBUG_CHECK; \
	export MALLOC_PERTURB_=$$(( $${RANDOM:-256} % 255 + 1 ));
DISTCHECK_CONFIGURE_FLAGS = --with-shared-data='$(DS_SHARED_DATA_DIR)'

# Libraries every test links, top of the picture first.
DS_TEST_LIBS = $(DS_LIBS) $(DS_DEP_LIBS)

ds_unit_tests = \
	tests/test-units \
	tests/test-json \
	tests/test-model \
	tests/test-cli \
	tests/test-graphtxt \
	tests/test-profile-csv
check_PROGRAMS += $(ds_unit_tests)
TESTS += $(ds_unit_tests)

noinst_LTLIBRARIES += tests/libdstest.la
tests_libdstest_la_SOURCES = tests/testutil.c tests/testutil.h

tests_test_units_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_json_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_model_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_graphtxt_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_profile_csv_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_cli_LDADD = tests/libdstest.la cli/libdawnsim-cli.la $(DS_TEST_LIBS)
# test-cli runs cli/dawnsim, which `make check` builds first (check
# depends on all).

EXTRA_DIST += tests/data

# Fuzz targets: tests/fuzz/<name>.c defines LLVMFuzzerTestOneInput; linked
# with driver.c it replays tests/fuzz/corpus/<name>/ in `make check`, and
# tools/fuzz.sh links it with libFuzzer for real fuzzing. To add one: write
# the target, seed its corpus folder, and add it to ds_fuzz_targets with an
# _SOURCES and _LDADD line like those below.
ds_fuzz_targets = \
	tests/fuzz/fuzz-model-json \
	tests/fuzz/fuzz-graphtxt \
	tests/fuzz/fuzz-profile-csv
check_PROGRAMS += $(ds_fuzz_targets)
TESTS += $(ds_fuzz_targets)

tests_fuzz_fuzz_model_json_SOURCES = tests/fuzz/fuzz-model-json.c tests/fuzz/driver.c
tests_fuzz_fuzz_model_json_LDADD = $(DS_TEST_LIBS)
tests_fuzz_fuzz_graphtxt_SOURCES = tests/fuzz/fuzz-graphtxt.c tests/fuzz/driver.c
tests_fuzz_fuzz_graphtxt_LDADD = $(DS_TEST_LIBS)
tests_fuzz_fuzz_profile_csv_SOURCES = tests/fuzz/fuzz-profile-csv.c tests/fuzz/driver.c
tests_fuzz_fuzz_profile_csv_LDADD = $(DS_TEST_LIBS)

EXTRA_DIST += tests/fuzz/corpus tools/fuzz.sh

ds_unit_tests += tests/test-zoo
tests_test_zoo_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
# The cluster, plan and trace nouns and the Chrome trace writer.
ds_noun_tests = \
	tests/test-cluster \
	tests/test-plan \
	tests/test-trace \
	tests/test-chrome
check_PROGRAMS += $(ds_noun_tests)
TESTS += $(ds_noun_tests)
tests_test_cluster_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_plan_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_trace_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_chrome_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# Fuzz targets for the cluster, plan and trace readers (see above).
ds_noun_fuzz_targets = \
	tests/fuzz/fuzz-cluster-json \
	tests/fuzz/fuzz-plan-json \
	tests/fuzz/fuzz-trace-json
check_PROGRAMS += $(ds_noun_fuzz_targets)
TESTS += $(ds_noun_fuzz_targets)
tests_fuzz_fuzz_cluster_json_SOURCES = tests/fuzz/fuzz-cluster-json.c tests/fuzz/driver.c
tests_fuzz_fuzz_cluster_json_LDADD = $(DS_TEST_LIBS)
tests_fuzz_fuzz_plan_json_SOURCES = tests/fuzz/fuzz-plan-json.c tests/fuzz/driver.c
tests_fuzz_fuzz_plan_json_LDADD = $(DS_TEST_LIBS)
tests_fuzz_fuzz_trace_json_SOURCES = tests/fuzz/fuzz-trace-json.c tests/fuzz/driver.c
tests_fuzz_fuzz_trace_json_LDADD = $(DS_TEST_LIBS)

# The planner: antichain states and PipeDream's DP against the reference
# outputs under ../shared/data/pipedream/expected/.
ds_planner_tests = tests/test-pipedream-dp
check_PROGRAMS += $(ds_planner_tests)
TESTS += $(ds_planner_tests)
tests_test_pipedream_dp_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

ds_unit_tests += tests/test-baselines
tests_test_baselines_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
ds_unit_tests += tests/test-split
tests_test_split_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
# hwmodels: presets, spec parser, costs, calibration (issue #3).
ds_hw_tests = \
	tests/test-hw-presets \
	tests/test-hw-cost \
	tests/test-hw-calibrate \
	tests/test-hw-detect \
	tests/test-hw-cli
check_PROGRAMS += $(ds_hw_tests)
TESTS += $(ds_hw_tests)
tests_test_hw_presets_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_hw_cost_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_hw_calibrate_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_hw_cli_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_hw_detect_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# Fuzz target for the inline cluster spec parser (see above).
ds_hw_fuzz_targets = tests/fuzz/fuzz-hw-spec
check_PROGRAMS += $(ds_hw_fuzz_targets)
TESTS += $(ds_hw_fuzz_targets)
tests_fuzz_fuzz_hw_spec_SOURCES = tests/fuzz/fuzz-hw-spec.c tests/fuzz/driver.c
tests_fuzz_fuzz_hw_spec_LDADD = $(DS_TEST_LIBS)

# sim/: the discrete-event engine (issue #5).
ds_sim_tests = tests/test-engine
check_PROGRAMS += $(ds_sim_tests)
TESTS += $(ds_sim_tests)
tests_test_engine_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
ds_sim_tests += tests/test-link
tests_test_link_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
ds_sim_tests += tests/test-sim
tests_test_sim_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
ds_sim_tests += tests/test-sim-cli
tests_test_sim_cli_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
# `simulate --no-fusion`: exec/fusion.c's what-if played by the simulator.
ds_sim_tests += tests/test-sim-fusion
tests_test_sim_fusion_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# traces/svg.c: the SVG Gantt chart of a trace.
ds_svg_tests = tests/test-svg
check_PROGRAMS += $(ds_svg_tests)
TESTS += $(ds_svg_tests)
tests_test_svg_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# The simulator against the planner's own estimate on the PipeDream
# reference cases (issue #5: agreement within 1%, and why not).
ds_sim_planner_tests = tests/test-sim-planner
check_PROGRAMS += $(ds_sim_planner_tests)
TESTS += $(ds_sim_planner_tests)
tests_test_sim_planner_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# exec/kernels.c: forwards against naive loops, backwards against finite
# differences.
ds_kernel_tests = tests/test-kernels
check_PROGRAMS += $(ds_kernel_tests)
TESTS += $(ds_kernel_tests)
tests_test_kernels_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# exec/net.c: models as runnable ops.
ds_kernel_tests += tests/test-net
tests_test_net_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# exec/: the executor's dataset module (IDX, gzip, synthetic task).
ds_exec_tests = tests/test-dataset
check_PROGRAMS += $(ds_exec_tests)
TESTS += $(ds_exec_tests)
tests_test_dataset_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# Fuzz target for the IDX reader (see the fuzz notes above).
ds_exec_fuzz_targets = tests/fuzz/fuzz-idx
check_PROGRAMS += $(ds_exec_fuzz_targets)
TESTS += $(ds_exec_fuzz_targets)
tests_fuzz_fuzz_idx_SOURCES = tests/fuzz/fuzz-idx.c tests/fuzz/driver.c
tests_fuzz_fuzz_idx_LDADD = $(DS_TEST_LIBS)

# exec/runtime.c: the executor against a plain training loop.
ds_exec_tests += tests/test-exec
tests_test_exec_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
ds_exec_tests += tests/test-exec-cli
tests_test_exec_cli_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
# --wir: the lazy WIR kernels train what the hand kernels train (needs cc).
ds_exec_tests += tests/test-exec-wir
tests_test_exec_wir_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
# The zoo's CPU-sized models learn the synthetic task.
ds_exec_tests += tests/test-models
tests_test_models_LDADD = $(DS_TEST_LIBS)

# traces/validate.c and `dawnsim validate`.
ds_exec_tests += tests/test-validate
tests_test_validate_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# The MPI transport: mpirun jobs against the same runs on threads.
ds_exec_tests += tests/test-exec-mpi
tests_test_exec_mpi_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# traces/tta.c and `dawnsim tta`: the DAWNBench entries of
# ../shared/data/dawnbench/cases.json, the parser's quirks and bad input,
# repeated-run statistics and sweeps (issue #12).
ds_tta_tests = tests/test-tta
check_PROGRAMS += $(ds_tta_tests)
TESTS += $(ds_tta_tests)
tests_test_tta_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# Fuzz target for the DAWNBench TSV and entry JSON readers (see the fuzz
# notes above); its corpus holds one shared entry per quirk.
ds_tta_fuzz_targets = tests/fuzz/fuzz-tta
check_PROGRAMS += $(ds_tta_fuzz_targets)
TESTS += $(ds_tta_fuzz_targets)
tests_fuzz_fuzz_tta_SOURCES = tests/fuzz/fuzz-tta.c tests/fuzz/driver.c
tests_fuzz_fuzz_tta_LDADD = $(DS_TEST_LIBS)

# traces/explain-*: MacroBase-style explanation (issue #11): the library
# (metrics, estimators, sketches, the window, the miner, bad input) and
# the conformance cases of ../shared/data/macrobase run through the CLI.
ds_explain_tests = tests/test-explain tests/test-explain-conformance
check_PROGRAMS += $(ds_explain_tests)
TESTS += $(ds_explain_tests)
tests_test_explain_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_explain_conformance_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# Fuzz target for explain's CSV reader (see the fuzz notes above).
ds_explain_fuzz_targets = tests/fuzz/fuzz-explain-csv
check_PROGRAMS += $(ds_explain_fuzz_targets)
TESTS += $(ds_explain_fuzz_targets)
tests_fuzz_fuzz_explain_csv_SOURCES = tests/fuzz/fuzz-explain-csv.c tests/fuzz/driver.c
tests_fuzz_fuzz_explain_csv_LDADD = $(DS_TEST_LIBS)

# Chrome/Kineto readers, replay and what-ifs, diff (issue #10).
check_PROGRAMS += tests/test-replay
TESTS += tests/test-replay
tests_test_replay_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_fuzz_fuzz_chrome_read_SOURCES = tests/fuzz/fuzz-chrome-read.c tests/fuzz/driver.c
tests_fuzz_fuzz_chrome_read_LDADD = $(DS_TEST_LIBS)
check_PROGRAMS += tests/fuzz/fuzz-chrome-read
TESTS += tests/fuzz/fuzz-chrome-read

# Issue #6: the 3D planner's cost and memory models and search.
ds_unit_tests += tests/test-plan3d-fidelity
tests_test_plan3d_fidelity_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
ds_unit_tests += tests/test-plan3d
tests_test_plan3d_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
ds_unit_tests += tests/test-plan3d-cli
tests_test_plan3d_cli_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# The cube classifiers of explain (traces/explain-cube.h).
ds_explain_tests += tests/test-explain-cube
check_PROGRAMS += tests/test-explain-cube
TESTS += tests/test-explain-cube
tests_test_explain_cube_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# traces/efficiency.c and traces/tta-rcp.c: the fit recovers the
# parameters that generated its points, reproduces tta.md 9.5's presets,
# and the RCP statistics and pruning match cases.json (issue #12).
ds_efficiency_tests = tests/test-efficiency
check_PROGRAMS += $(ds_efficiency_tests)
TESTS += $(ds_efficiency_tests)
tests_test_efficiency_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# `dawnsim exec --repeat` on the synthetic dataset and `dawnsim tta
# --fit/--check/--predict`, run as a user runs them (issue #12).
check_PROGRAMS += tests/test-tta-repeat
TESTS += tests/test-tta-repeat
tests_test_tta_repeat_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# Fuzz target for the efficiency readers: runs TSV, model JSON, MLPerf
# RCP JSON; its corpus holds one file of each and two TSV quirks.
check_PROGRAMS += tests/fuzz/fuzz-efficiency
TESTS += tests/fuzz/fuzz-efficiency
tests_fuzz_fuzz_efficiency_SOURCES = tests/fuzz/fuzz-efficiency.c tests/fuzz/driver.c
tests_fuzz_fuzz_efficiency_LDADD = $(DS_TEST_LIBS)

# exec/wir/ (issue #8): the front end, interpreter and passes, and the
# Weld conformance cases of ../shared/data/weld/cases.md.
ds_wir_tests = tests/test-wir tests/test-wir-conformance tests/test-wir-diff
check_PROGRAMS += $(ds_wir_tests)
TESTS += $(ds_wir_tests)
tests_test_wir_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_wir_conformance_LDADD = tests/libdstest.la $(DS_TEST_LIBS)
tests_test_wir_diff_LDADD = tests/libdstest.la $(DS_TEST_LIBS)

# Fuzz target for the WIR parser, printer and checker (see the fuzz notes
# above); its corpus holds every program of the Weld cases and the
# training kernels of weld.md §12.
ds_wir_fuzz_targets = tests/fuzz/fuzz-wir
check_PROGRAMS += $(ds_wir_fuzz_targets)
TESTS += $(ds_wir_fuzz_targets)
tests_fuzz_fuzz_wir_SOURCES = tests/fuzz/fuzz-wir.c tests/fuzz/driver.c
tests_fuzz_fuzz_wir_LDADD = $(DS_TEST_LIBS)
