# m4/ds-checks.m4 - dawnsim's configure checks, one macro per group.

# DS_REQUIRE_PKG(VAR, MODULE, CONSTRAINT, DEBIAN-PACKAGE, VERSION-VAR)
# A required pkg-config module; on failure the error names the Debian
# package that provides it, so the fix is one apt-get away.
AC_DEFUN([DS_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2 $3], [],
    [AC_MSG_ERROR([$2 $3 not found: install the Debian package '$4' (apt-get install $4), or run ./quickstart.sh, which does])])
  $5=`$PKG_CONFIG --modversion $2`
])

# DS_CHECK_REQUIRED: the libraries every build needs.
AC_DEFUN([DS_CHECK_REQUIRED], [
  DS_REQUIRE_PKG([GLIB], [glib-2.0], [>= 2.74], [libglib2.0-dev], [ds_glib_version])
  DS_REQUIRE_PKG([JSON_GLIB], [json-glib-1.0], [>= 1.6], [libjson-glib-dev], [ds_json_glib_version])
  DS_REQUIRE_PKG([IGRAPH], [igraph], [>= 0.10], [libigraph-dev], [ds_igraph_version])
  DS_STATIC_IGRAPH
  DS_REQUIRE_PKG([HWLOC], [hwloc], [>= 2.9], [libhwloc-dev], [ds_hwloc_version])
  DS_REQUIRE_PKG([OPENBLAS], [openblas], [], [libopenblas-dev], [ds_openblas_version])
  # The executor opens OpenBLAS with GModule when it first multiplies
  # (exec/blas.c): its path here, the soname as the fallback.
  DS_REQUIRE_PKG([GMODULE], [gmodule-no-export-2.0], [>= 2.74], [libglib2.0-dev], [ds_gmodule_version])
  ds_openblas_path=`$PKG_CONFIG --variable=libdir openblas | sed 's,/*$,,'`/libopenblas.so.0
  AC_DEFINE_UNQUOTED([DS_OPENBLAS_PATH], ["$ds_openblas_path"], [OpenBLAS, opened by exec/blas.c])
  # OpenBLAS is for the executor's GEMMs only, linked into what calls it:
  # it starts a thread pool when loaded (about 1.9 ms, a third of a short
  # `dawnsim plan`), and GSL's small fits do as well on gslcblas.
  DS_REQUIRE_PKG([GSL], [gsl], [>= 2.6], [libgsl-dev], [ds_gsl_version])
  AC_SEARCH_LIBS([cos], [m])
])

# DS_STATIC_IGRAPH: link igraph statically when its archive can be.
#
# Why: libigraph.so pulls in some 30 shared libraries (ICU, libxml2, GLPK,
# ARPACK, LAPACK, gfortran, ...) that dawnsim never calls, and loading
# them is most of a short run's time: `dawnsim plan` on VGG-16 took
# 8.5 ms as a process with the shared igraph and 2.2 ms with the archive
# (perf stat -r 40, docs/performance.md), against 0.2 ms of planning.
# From the archive the linker takes only the objects dawnsim uses, and
# --as-needed drops the libraries nothing references. The dependencies
# are tried as pkg-config lists them, then as the toolchain's own
# (Debian ships no link names for some, e.g. ARPACK and plfit); if
# neither links, the shared library is used.
AC_DEFUN([DS_STATIC_IGRAPH], [
  AC_ARG_ENABLE([static-igraph],
    [AS_HELP_STRING([--disable-static-igraph], [link the shared libigraph (slower start-up)])],
    [], [enable_static_igraph=auto])
  ds_igraph_link="shared"
  AS_IF([test "x$enable_static_igraph" != xno && test -f "`$PKG_CONFIG --variable=libdir igraph`/libigraph.a"], [
    # The archive by path: libtool reorders -Wl,-Bstatic away from -l flags.
    ds_igraph_archive=`$PKG_CONFIG --variable=libdir igraph`/libigraph.a
    ds_igraph_static_deps=`$PKG_CONFIG --libs-only-l --static igraph | sed 's/-ligraph//'`
    ds_save_LIBS=$LIBS; ds_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS $IGRAPH_CFLAGS"
    for ds_deps in "$ds_igraph_static_deps" "-lstdc++ -lgomp -lpthread -lm"; do
      LIBS="-Wl,--as-needed $ds_igraph_archive $ds_deps $ds_save_LIBS"
      AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <igraph.h>]], [[
          igraph_t g; igraph_bool_t dag; igraph_vector_int_t v;
          igraph_set_error_handler (igraph_error_handler_ignore);
          igraph_empty (&g, 2, IGRAPH_DIRECTED);
          igraph_is_dag (&g, &dag);
          igraph_vector_int_init (&v, 0);
          igraph_topological_sorting (&g, &v, IGRAPH_OUT);
          igraph_destroy (&g);]])],
        [IGRAPH_LIBS="-Wl,--as-needed $ds_igraph_archive $ds_deps"
         ds_igraph_link="static"; break])
    done
    LIBS=$ds_save_LIBS; CFLAGS=$ds_save_CFLAGS
    AS_IF([test "x$enable_static_igraph" = xyes && test $ds_igraph_link = shared],
          [AC_MSG_ERROR([--enable-static-igraph: libigraph.a does not link here])])
  ])
  AC_MSG_CHECKING([how to link igraph])
  AC_MSG_RESULT([$ds_igraph_link])
])

# DS_CHECK_CUDA: optional; --with-cuda[=DIR], default /usr/local/cuda when
# its headers are there. Needs cudart, cuBLAS and NVRTC together.
AC_DEFUN([DS_CHECK_CUDA], [
  AC_ARG_WITH([cuda],
    [AS_HELP_STRING([--with-cuda@<:@=DIR@:>@], [CUDA toolkit (default: /usr/local/cuda if present)])],
    [], [with_cuda=check])
  ds_cuda_summary=no
  AS_IF([test "x$with_cuda" != xno], [
    AS_IF([test "x$with_cuda" = xyes || test "x$with_cuda" = xcheck],
          [ds_cuda_dir=/usr/local/cuda], [ds_cuda_dir=$with_cuda])
    ds_save_CPPFLAGS=$CPPFLAGS; ds_save_LIBS=$LIBS; ds_save_LDFLAGS=$LDFLAGS
    CPPFLAGS="$CPPFLAGS -I$ds_cuda_dir/include"
    LDFLAGS="$LDFLAGS -L$ds_cuda_dir/lib64"
    ds_have_cuda=yes
    AC_CHECK_HEADERS([cuda_runtime_api.h cublas_v2.h nvrtc.h], [], [ds_have_cuda=no])
    AS_IF([test $ds_have_cuda = yes],
      [AC_CHECK_LIB([cudart], [cudaGetDeviceCount], [], [ds_have_cuda=no])
       AC_CHECK_LIB([cublas], [cublasCreate_v2], [], [ds_have_cuda=no])
       AC_CHECK_LIB([nvrtc], [nvrtcCreateProgram], [], [ds_have_cuda=no])])
    CPPFLAGS=$ds_save_CPPFLAGS; LIBS=$ds_save_LIBS; LDFLAGS=$ds_save_LDFLAGS
    AS_IF([test $ds_have_cuda = yes],
      [CUDA_CFLAGS="-I$ds_cuda_dir/include"
       CUDA_LIBS="-L$ds_cuda_dir/lib64 -Wl,-rpath,$ds_cuda_dir/lib64 -lcudart -lcublas -lnvrtc"
       AC_DEFINE([DS_HAVE_CUDA], [1], [Build the CUDA backend])
       ds_cuda_summary="yes ($ds_cuda_dir)"],
      [AS_IF([test "x$with_cuda" != xcheck],
             [AC_MSG_ERROR([--with-cuda given but cudart, cuBLAS or NVRTC not usable under $ds_cuda_dir])])])
  ])
  AC_SUBST([CUDA_CFLAGS])
  AC_SUBST([CUDA_LIBS])
  AM_CONDITIONAL([DS_HAVE_CUDA], [test "x$ds_cuda_summary" != xno])
])

# DS_CHECK_MPI: optional; the MPI transport's module (exec/mpi.h) is built
# when the mpi-c pkg-config module is found (Debian: libopenmpi-dev),
# --with-mpi requires it, --without-mpi skips it. Only the module links
# libmpi; dawnsim opens it under mpirun.
AC_DEFUN([DS_CHECK_MPI], [
  AC_ARG_WITH([mpi],
    [AS_HELP_STRING([--with-mpi], [build the MPI transport (default: if mpi-c is found)])],
    [], [with_mpi=check])
  ds_mpi_summary=no
  AS_IF([test "x$with_mpi" != xno], [
    PKG_CHECK_MODULES([MPI], [mpi-c],
      [AC_DEFINE([DS_HAVE_MPI], [1], [Build the MPI transport])
       ds_mpi_summary="yes (`$PKG_CONFIG --modversion mpi-c`)"],
      [AS_IF([test "x$with_mpi" = xyes],
             [AC_MSG_ERROR([--with-mpi given but mpi-c not found: install libopenmpi-dev])])])
  ])
  AM_CONDITIONAL([DS_HAVE_MPI], [test "x$ds_mpi_summary" != xno])
  # tests/test-exec-mpi.c starts jobs with it (Debian: openmpi-bin)
  AC_PATH_PROG([MPIRUN], [mpirun])
  AS_IF([test -n "$MPIRUN"],
        [AC_DEFINE_UNQUOTED([DS_MPIRUN], ["$MPIRUN"], [mpirun, for the MPI tests])])
])

# DS_ENABLE_SANITIZERS: --enable-sanitizers builds everything with ASan and
# UBSan; undefined behaviour aborts so that tests fail on it.
AC_DEFUN([DS_ENABLE_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
    [], [enable_sanitizers=no])
  AS_IF([test "x$enable_sanitizers" = xyes],
    [DS_SANITIZE_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"])
  AC_SUBST([DS_SANITIZE_CFLAGS])
])

# DS_SHARED_DATA: where the conformance tests find the public reference
# data (../shared/data beside the checkout). Tests that need it skip
# themselves, saying so, when it is absent.
AC_DEFUN([DS_SHARED_DATA], [
  AC_ARG_WITH([shared-data],
    [AS_HELP_STRING([--with-shared-data=DIR], [reference data for conformance tests (default: SRCDIR/../shared/data)])],
    [DS_SHARED_DATA_DIR=$withval],
    [DS_SHARED_DATA_DIR=`cd "$srcdir/.." && pwd`/shared/data])
  AC_SUBST([DS_SHARED_DATA_DIR])
])
