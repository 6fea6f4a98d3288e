/* core/fit.c - nonlinear least squares through GSL (see fit.h). */
#include "config.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>
#include <string.h>

#include "core/fit.h"

double
ds_fit_least_squares (DsFitResiduals f, void *data, gsize n, gsize p, double *x,
                      gsize max_iter, double tol)
{
  gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters ();
  gsl_multifit_nlinear_fdf fdf = { .f = f, .n = n, .p = p, .params = data };
  g_autofree double *start = g_memdup2 (x, p * sizeof (double));
  gsl_vector_view xv = gsl_vector_view_array (start, p);
  gsl_multifit_nlinear_workspace *w =
    gsl_multifit_nlinear_alloc (gsl_multifit_nlinear_trust, &params, n, p);
  double cost = INFINITY, chisq;
  int info = 0;

  if (gsl_multifit_nlinear_init (&xv.vector, &fdf, w) == GSL_SUCCESS
      && gsl_multifit_nlinear_driver (max_iter, tol, tol, tol, NULL, NULL, &info, w)
         == GSL_SUCCESS)
    {
      gsl_blas_ddot (w->f, w->f, &chisq);
      if (isfinite (chisq))
        {
          cost = chisq;
          memcpy (x, w->x->data, p * sizeof (double));
        }
    }
  gsl_multifit_nlinear_free (w);
  return cost;
}
