/* core/fit.h - nonlinear least squares: the one way dawnsim fits a model
 * to measurements (hwmodels/calibrate.c's device rates, traces/
 * efficiency.c's epochs model), through GSL's trust-region solver.
 */
#pragma once

#include <glib.h>
#include <gsl/gsl_vector.h>

G_BEGIN_DECLS

/* Fills @f (n residuals) for the parameters @x; returns GSL_SUCCESS. */
typedef int (*DsFitResiduals) (const gsl_vector *x, void *data, gsl_vector *f);

/* Minimises the sum of the squares of @n residuals over @p parameters,
 * starting from @x, for at most @max_iter iterations to tolerance @tol
 * (on the step, the gradient and the cost alike). On success @x holds the
 * solution and the final cost is returned; when the solver fails, or the
 * cost is not finite, INFINITY, and @x is left as it was. */
double ds_fit_least_squares (DsFitResiduals f, void *data, gsize n, gsize p, double *x,
                             gsize max_iter, double tol);

G_END_DECLS
