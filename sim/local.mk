# sim/local.mk - the discrete-event engine and the pipeline schedules
# (issue #5). libdawnsim-sim.la is declared here with its first module.
