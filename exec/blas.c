/* exec/blas.c - OpenBLAS through GModule (see blas.h). */
#include "config.h"

#include <cblas.h>
#include <gmodule.h>

#include "core/error.h"
#include "exec/blas.h"

typedef __typeof__ (cblas_sgemm) SgemmFn;
typedef void (*SetThreadsFn) (int);

static SgemmFn *sgemm;

/* The first loader's result, kept for every later call. */
static gpointer
load_once (gpointer unused)
{
  static const char *const names[] = { DS_OPENBLAS_PATH, "libopenblas.so.0", "libopenblas.so" };
  GModule *module = NULL;
  gpointer set_threads = NULL, fn = NULL;

  (void) unused;
  for (guint i = 0; i < G_N_ELEMENTS (names) && module == NULL; i++)
    module = g_module_open (names[i], G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    return NULL;
  if (!g_module_symbol (module, "cblas_sgemm", &fn) || fn == NULL)
    return NULL;
  if (g_module_symbol (module, "openblas_set_num_threads", &set_threads) && set_threads != NULL)
    ((SetThreadsFn) set_threads) (1);
  g_module_make_resident (module);
  sgemm = (SgemmFn *) fn;
  return module;
}

gboolean
ds_blas_load (GError **error)
{
  static GOnce once = G_ONCE_INIT;

  if (g_once (&once, load_once, NULL) == NULL)
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "cannot load OpenBLAS (%s): install the "
                    "Debian package 'libopenblas0' (apt-get install libopenblas0), or run "
                    "./quickstart.sh, which does", DS_OPENBLAS_PATH);
  return TRUE;
}

void
ds_blas_sgemm (gboolean trans_a, gboolean trans_b, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb, float beta, float *c,
               int ldc)
{
  g_return_if_fail (sgemm != NULL);
  sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
         trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
