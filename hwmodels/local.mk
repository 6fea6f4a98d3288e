# hwmodels/local.mk - devices, links, topologies, presets, collective costs,
# hwloc discovery and calibration (issue #3). The folder's library,
# libdawnsim-hwmodels.la, is declared here when its first module lands;
# DsCluster, the noun it fills in, already lives in core/.
