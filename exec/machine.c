/* exec/machine.c - measure this machine for the simulator (see machine.h). */
#include "config.h"

#include <gsl/gsl_statistics_double.h>
#include <hwloc.h>
#include <string.h>

#include "core/error.h"
#include "exec/kernels.h"
#include "exec/machine.h"
#include "exec/net.h"

#define COPY_BYTES (64u << 20)
#define REPEATS 9

static double
median (double *v, guint n)
{
  return gsl_stats_median (v, 1, n);   /* sorts v */
}

static gpointer
echo (gpointer data)
{
  GAsyncQueue **q = data;

  for (guint i = 0; i < REPEATS * 8; i++)
    g_async_queue_push (q[1], g_async_queue_pop (q[0]));
  return NULL;
}

/* Half a round trip between two threads, the median of rounds of 8. */
static double
measure_handoff (void)
{
  GAsyncQueue *q[2] = { g_async_queue_new (), g_async_queue_new () };
  GThread *t = g_thread_new ("dawnsim-echo", echo, q);
  double v[REPEATS];

  for (guint r = 0; r < REPEATS; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      for (guint i = 0; i < 8; i++)
        {
          g_async_queue_push (q[0], GUINT_TO_POINTER (1));
          g_async_queue_pop (q[1]);
        }
      v[r] = (g_get_monotonic_time () - t0) / 1e6 / 16;
    }
  g_thread_join (t);
  g_async_queue_unref (q[0]);
  g_async_queue_unref (q[1]);
  return median (v, REPEATS);
}

static double
measure_copy (void)
{
  g_autofree char *a = g_malloc (COPY_BYTES), *b = g_malloc (COPY_BYTES);
  double v[REPEATS];

  memset (a, 1, COPY_BYTES);
  memset (b, 2, COPY_BYTES);
  for (guint r = 0; r < REPEATS; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      memcpy (r % 2 ? a : b, r % 2 ? b : a, COPY_BYTES);
      v[r] = COPY_BYTES / MAX ((g_get_monotonic_time () - t0) / 1e6, 1e-7);
    }
  return median (v, REPEATS);
}

/* ds_k_sgd with momentum and the gradient zeroing over 64 MiB of weights:
 * 6 bytes moved per weight byte (see the simulator's optimizer). */
static double
measure_stream (void)
{
  gsize n = COPY_BYTES / sizeof (float);
  g_autofree float *w = g_new0 (float, n), *g = g_new0 (float, n), *v = g_new0 (float, n);
  double t[REPEATS];

  for (guint r = 0; r < REPEATS; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      ds_k_sgd (w, g, v, n, 0.1f, 0.9f, 0);
      memset (g, 0, n * sizeof (float));
      t[r] = 6.0 * COPY_BYTES / MAX ((g_get_monotonic_time () - t0) / 1e6, 1e-7);
    }
  return median (t, REPEATS);
}

gboolean
ds_exec_measure_machine (DsExecMachine *m, GError **error)
{
  hwloc_topology_t topo;

  memset (m, 0, sizeof *m);
  if (hwloc_topology_init (&topo) != 0 || hwloc_topology_load (topo) != 0)
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "hwloc cannot read this machine's topology");
  m->n_cores = MAX (1, hwloc_get_nbobjs_by_type (topo, HWLOC_OBJ_CORE));
  m->memory_bytes = hwloc_get_root_obj (topo)->total_memory;
  hwloc_topology_destroy (topo);
  m->copy_bytes_per_s = measure_copy ();
  m->handoff_s = measure_handoff ();
  m->stream_bytes_per_s = measure_stream ();
  return TRUE;
}

DsCluster *
ds_exec_machine_cluster (const DsExecMachine *m, guint n_devices)
{
  DsCluster *c = ds_cluster_new ("this-machine");
  DsDevice *d = ds_cluster_device (c);

  g_free (d->name);
  d->name = g_strdup ("host-cpu");
  d->memory_bytes = m->memory_bytes;
  d->mem_bw_bytes_per_s = m->stream_bytes_per_s;
  ds_cluster_add_level (c, "threads", n_devices > 0 ? n_devices : m->n_cores,
                        m->copy_bytes_per_s, m->handoff_s);
  return c;
}

/* The median time of @reps calls of forward (or backward) of op @i alone. */
static double
time_op (const DsNet *net, guint i, guint rows, guint reps, gboolean backward,
         float *params, float *grads, float *x, float *dy, float *dx)
{
  g_autoptr(DsNetTape) tape = ds_net_tape_new (net, i, i + 1, rows);
  gsize off = ds_net_range_offset (net, i);
  g_autofree double *v = g_new (double, reps);

  ds_net_forward (net, tape, params + off, x, rows, 1, 0);
  for (guint r = 0; r < reps; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      if (backward)
        ds_net_backward (net, tape, params + off, x, dy, grads + off, i > 0 ? dx : NULL);
      else
        ds_net_forward (net, tape, params + off, x, rows, 1, 0);
      v[r] = (g_get_monotonic_time () - t0) / 1e6;
    }
  return median (v, reps);
}

DsModel *
ds_exec_profile_layers (const DsModel *model, guint rows, guint minibatch, guint reps,
                        GError **error)
{
  g_autoptr(DsNet) net = ds_net_new (model, error);
  g_autoptr(DsModel) timed = NULL;
  g_autofree float *params = NULL, *grads = NULL, *x = NULL, *dy = NULL, *dx = NULL;
  gsize biggest = 0;
  double scale = (double) minibatch / MAX (rows, 1);

  if (net == NULL || !ds_kernels_init (error))
    return NULL;
  if (rows == 0 || reps == 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "profiling needs rows and repeats >= 1");
  timed = ds_model_copy (model);
  for (guint i = 0; i < net->ops->len; i++)
    biggest = MAX (biggest, ds_net_op_out_size (net, i));
  biggest = MAX (biggest, net->in_features) * rows;
  params = g_new (float, MAX (net->n_params, 1));
  grads = g_new0 (float, MAX (net->n_params, 1));
  x = g_new (float, biggest);
  dy = g_new (float, biggest);
  dx = g_new (float, biggest);
  ds_net_init_params (net, params, 1);
  ds_k_init_uniform (x, biggest, 1, 2);
  ds_k_init_uniform (dy, biggest, 1, 3);
  for (guint i = 0; i < net->ops->len; i++)
    {
      DsLayer *l = ds_model_layer (timed, g_array_index (net->ops, DsNetOp, i).layer);
      l->has_times = TRUE;
      l->fwd_s = time_op (net, i, rows, reps, FALSE, params, grads, x, dy, dx) * scale;
      l->bwd_s = time_op (net, i, rows, reps, TRUE, params, grads, x, dy, dx) * scale;
    }
  /* the loss runs with the last layer: softmax cross-entropy both ways */
  {
    DsLayer *l = ds_model_layer (timed, g_array_index (net->ops, DsNetOp,
                                                       net->ops->len - 1).layer);
    g_autofree guint8 *labels = g_new0 (guint8, rows);
    g_autofree double *v = g_new (double, reps);
    for (guint r = 0; r < reps; r++)
      {
        gint64 t0 = g_get_monotonic_time ();
        ds_k_softmax_xent_fwd (x, labels, dx, rows, net->n_classes);
        ds_k_softmax_xent_bwd (dx, labels, dx, rows, net->n_classes, 1.0f / rows);
        v[r] = (g_get_monotonic_time () - t0) / 1e6;
      }
    l->fwd_s += median (v, reps) * scale;
  }
  return g_steal_pointer (&timed);
}
