# bench/local.mk - benchmarks, run by `make bench`. Each prints ratios
# against a baseline measured in the same process; none passes or fails
# on absolute time (DESIGN.md).
