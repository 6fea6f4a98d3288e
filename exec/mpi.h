/* exec/mpi.h - the executor's MPI transport: one worker per rank.
 *
 * `mpirun -np N dawnsim exec ...` starts N copies of dawnsim; each runs
 * the one worker whose index is its rank (exec/runtime.c), and the
 * messages the threads transport passes through queues go through MPI
 * point-to-point instead. MPI lives in a module (dawnsim-mpi.so, built
 * when configure finds Open MPI or MPICH) that is opened only then, so
 * that no other dawnsim process pays for loading libmpi (0.7 ms, a
 * quarter of a short `dawnsim plan`).
 *
 * Waiting ranks poll with short sleeps rather than spin as MPI's blocking
 * calls do: ranks may outnumber cores, and a spinning rank would steal
 * its core from one that computes. Errors are fatal, as MPI's default
 * handler has them: the rank prints what failed and aborts the job, and
 * a rank that dies ends the job through mpirun (no rank waits forever).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The module's table. Every call is made from the thread that opened it. */
typedef struct {
  guint rank, size;
  /* Sends @bytes of @data to @dest under @tag (< 2^30) without waiting;
   * takes @data (g_free'd once sent). Messages between two ranks under
   * one tag arrive in order. */
  void     (*send)      (guint dest, guint tag, gpointer data, gsize bytes);
  /* The next message from @src under @tag, newly allocated; its size in
   * @bytes. Waits for it. */
  gpointer (*recv)      (guint src, guint tag, gsize *bytes);
  /* Sums @n floats in place among @ranks (sorted, including this rank);
   * every member calls it with the same list. */
  void     (*allreduce) (const guint *ranks, guint n_ranks, float *data, gsize n);
  /* Waits for this rank's sends, then leaves MPI. */
  void     (*finalize)  (void);
  /* Ends the whole job with @code, after printing @message. */
  void     (*abort)     (int code, const char *message);
} DsMpi;

/* Whether this process was started by mpirun (or another launcher that
 * sets the process-management environment) with more than one rank. */
gboolean      ds_mpi_launched (void);

/* Opens the module and initialises MPI, once per process; later calls
 * return the same table. The module is looked for at $DAWNSIM_MPI_MODULE,
 * then in the install's pkglibdir, then in the build tree. */
const DsMpi  *ds_mpi_open     (GError **error);

G_END_DECLS
