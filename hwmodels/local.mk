# hwmodels/local.mk - devices, links, topologies, presets, collective costs,
# hwloc discovery and calibration (issue #3). DsCluster, the noun it fills
# in, lives in core/.

noinst_LTLIBRARIES += %D%/libdawnsim-hwmodels.la
%C%_libdawnsim_hwmodels_la_SOURCES = \
	%D%/device.c %D%/device.h \
	%D%/link.c %D%/link.h \
	%D%/presets.c %D%/presets.h \
	%D%/cost.c %D%/cost.h \
	%D%/calibrate.c %D%/calibrate.h \
	%D%/detect.c %D%/detect.h
# Where presets are found (presets.h): the source tree first, so tests and
# uninstalled runs need no install; then the installed copy.
%C%_libdawnsim_hwmodels_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DDS_PRESETS_SRCDIR='"$(abs_top_srcdir)/hwmodels/presets"' \
	-DDS_PRESETS_PKGDIR='"$(pkgdatadir)/hwmodels/presets"'

# Presets are data, installed under $(pkgdatadir)/hwmodels/presets/.
nobase_dist_pkgdata_DATA = \
	%D%/presets/links.json \
	%D%/presets/devices/titan-x-pascal.json \
	%D%/presets/devices/k80.json \
	%D%/presets/devices/p100-pcie-16gb.json \
	%D%/presets/devices/v100-pcie-16gb.json \
	%D%/presets/devices/v100-sxm2-16gb.json \
	%D%/presets/devices/a100-sxm4-40gb.json \
	%D%/presets/devices/a100-sxm4-80gb.json \
	%D%/presets/devices/h100.json \
	%D%/presets/devices/h200.json \
	%D%/presets/clusters/pipedream-a.json \
	%D%/presets/clusters/pipedream-b.json \
	%D%/presets/clusters/pipedream-c.json \
	%D%/presets/clusters/dgx1-v100.json \
	%D%/presets/clusters/dgx-a100.json \
	%D%/presets/clusters/dgx-h100.json \
	%D%/presets/clusters/superpod-h100.json

# The presets' sources, the equations and the calibration results.
EXTRA_DIST += docs/hwmodels.md
