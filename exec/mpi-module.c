/* exec/mpi-module.c - dawnsim-mpi.so, the MPI transport's module (see
 * exec/mpi.h). Built with MPI's flags; exports dawnsim_mpi_init alone.
 *
 * Sends are MPI_Isend, completed whenever the rank next waits: a blocking
 * send could deadlock two stages that send to each other at once (an
 * activation one way, a gradient the other). Receives probe for the
 * message first (MPI_Improbe), so any size arrives, then MPI_Imrecv. All
 * waiting is MPI_Test in a loop that spins for a few microseconds and
 * then sleeps between tries.
 */
#include "config.h"

#include <gmodule.h>
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec/mpi.h"

/* How long a wait spins before it starts to sleep, and how long it sleeps
 * between tries: a hand-off costs at most about one sleep, 40 us plus the
 * kernel's timer slack (50 us by default), against operations of
 * milliseconds. */
#define SPIN_US 20
#define SLEEP_US 40

typedef struct {
  MPI_Request req;
  gpointer data;
} Pending;

static DsMpi table;
static GArray *pending;          /* Pending: sends not yet complete */
static GHashTable *comms;        /* "r0,r1,..." -> MPI_Comm * */
static int tag_ub;

/* Completes the sends that are done, freeing their buffers. */
static void
progress_sends (void)
{
  for (guint i = 0; i < pending->len;)
    {
      Pending *p = &g_array_index (pending, Pending, i);
      int done = 0;
      MPI_Test (&p->req, &done, MPI_STATUS_IGNORE);
      if (done)
        {
          g_free (p->data);
          g_array_remove_index_fast (pending, i);
        }
      else
        i++;
    }
}

static void
wait_for (MPI_Request *req)
{
  gint64 t0 = g_get_monotonic_time ();
  int done = 0;

  for (;;)
    {
      MPI_Test (req, &done, MPI_STATUS_IGNORE);
      if (done)
        return;
      progress_sends ();
      if (g_get_monotonic_time () - t0 > SPIN_US)
        g_usleep (SLEEP_US);
    }
}

static void G_GNUC_NORETURN
fail (const char *what)
{
  fprintf (stderr, "dawnsim: rank %u: %s\n", table.rank, what);
  fflush (stderr);
  MPI_Abort (MPI_COMM_WORLD, 1);
  abort ();
}

static void
mpi_send (guint dest, guint tag, gpointer data, gsize bytes)
{
  Pending p = { MPI_REQUEST_NULL, data };

  if (bytes > INT_MAX || tag > (guint) tag_ub)
    fail ("a message is over MPI's limits (2 GiB, or a tag past MPI_TAG_UB)");
  MPI_Isend (data, (int) bytes, MPI_BYTE, (int) dest, (int) tag, MPI_COMM_WORLD, &p.req);
  g_array_append_val (pending, p);
  progress_sends ();
}

static gpointer
mpi_recv (guint src, guint tag, gsize *bytes)
{
  gint64 t0 = g_get_monotonic_time ();
  MPI_Message msg;
  MPI_Status status;
  MPI_Request req;
  int found = 0, count = 0;
  gpointer data;

  for (;;)
    {
      MPI_Improbe ((int) src, (int) tag, MPI_COMM_WORLD, &found, &msg, &status);
      if (found)
        break;
      progress_sends ();
      if (g_get_monotonic_time () - t0 > SPIN_US)
        g_usleep (SLEEP_US);
    }
  MPI_Get_count (&status, MPI_BYTE, &count);
  data = g_malloc (MAX (count, 1));
  MPI_Imrecv (data, count, MPI_BYTE, &msg, &req);
  wait_for (&req);
  *bytes = (gsize) count;
  return data;
}

static void
comm_free (gpointer p)
{
  MPI_Comm *c = p;
  MPI_Comm_free (c);
  g_free (c);
}

/* The communicator of @ranks, made on first use (collective over the
 * group alone, so disjoint groups make theirs independently). */
static MPI_Comm
comm_of (const guint *ranks, guint n)
{
  GString *key = g_string_new (NULL);
  MPI_Comm *c;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (key, "%s%u", i ? "," : "", ranks[i]);
  c = g_hash_table_lookup (comms, key->str);
  if (c == NULL)
    {
      MPI_Group world, group;
      g_autofree int *r = g_new (int, n);
      for (guint i = 0; i < n; i++)
        r[i] = (int) ranks[i];
      c = g_new (MPI_Comm, 1);
      MPI_Comm_group (MPI_COMM_WORLD, &world);
      MPI_Group_incl (world, (int) n, r, &group);
      MPI_Comm_create_group (MPI_COMM_WORLD, group, 0, c);
      MPI_Group_free (&group);
      MPI_Group_free (&world);
      g_hash_table_insert (comms, g_strdup (key->str), c);
    }
  g_string_free (key, TRUE);
  return *c;
}

static void
mpi_allreduce (const guint *ranks, guint n_ranks, float *data, gsize n)
{
  MPI_Request req;

  if (n > INT_MAX)
    fail ("an all-reduce of over 2^31 floats");
  if (n_ranks < 2)
    return;
  progress_sends ();
  MPI_Iallreduce (MPI_IN_PLACE, data, (int) n, MPI_FLOAT, MPI_SUM,
                  comm_of (ranks, n_ranks), &req);
  wait_for (&req);
}

static void
mpi_finalize (void)
{
  /* each send leaves the array before its wait: the wait progresses (and
   * frees, and removes) the others, so an index into the array, or a
   * pointer, would not survive it (a double free, seen once in 40 jobs) */
  while (pending->len > 0)
    {
      Pending p = g_array_index (pending, Pending, pending->len - 1);
      g_array_set_size (pending, pending->len - 1);
      wait_for (&p.req);
      g_free (p.data);
    }
  g_hash_table_remove_all (comms);
  MPI_Finalize ();
}

static void
mpi_abort (int code, const char *message)
{
  fprintf (stderr, "dawnsim: rank %u: %s\n", table.rank, message);
  fflush (stderr);
  MPI_Abort (MPI_COMM_WORLD, code);
}

/* Initialises MPI (funneled: the opening thread alone calls it). */
G_MODULE_EXPORT const DsMpi *dawnsim_mpi_init (GError **error);

G_MODULE_EXPORT const DsMpi *
dawnsim_mpi_init (GError **error)
{
  int provided = 0, rank = 0, size = 0, flag = 0;
  int *ub = NULL;

  if (MPI_Init_thread (NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "MPI_Init_thread failed");
      return NULL;
    }
  MPI_Comm_rank (MPI_COMM_WORLD, &rank);
  MPI_Comm_size (MPI_COMM_WORLD, &size);
  MPI_Comm_get_attr (MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag);
  tag_ub = flag && ub != NULL ? *ub : 32767;
  pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  comms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, comm_free);
  table = (DsMpi) { (guint) rank, (guint) size, mpi_send, mpi_recv, mpi_allreduce,
                    mpi_finalize, mpi_abort };
  return &table;
}
