/* exec/blas.h - the BLAS calls the executor makes, loaded on first use.
 *
 * Why not linked: OpenBLAS starts its thread pool as soon as it is loaded,
 * about 1.9 ms of every dawnsim process (docs/performance.md), and only
 * the executor multiplies matrices. ds_blas_load() opens it with GModule
 * once (thread-safe), pins it to one thread (each pipeline stage owns a
 * core, so BLAS must not spread over the others), and resolves the entry
 * points. Matrices are row-major float32, as everywhere in exec/.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Loads OpenBLAS (configure's path first, then the soname). Idempotent;
 * fails with DS_ERROR_UNSUPPORTED, saying which package to install, when
 * it cannot be loaded. */
gboolean ds_blas_load  (GError **error);

/* C = alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n, C m x n; lda,
 * ldb, ldc the row strides of A, B, C as stored. ds_blas_load() must have
 * succeeded. */
void     ds_blas_sgemm (gboolean trans_a, gboolean trans_b, int m, int n, int k,
                        float alpha, const float *a, int lda, const float *b, int ldb,
                        float beta, float *c, int ldc);

G_END_DECLS
