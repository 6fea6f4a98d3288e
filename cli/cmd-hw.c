/* cli/cmd-hw.c - `dawnsim hw list|show|detect|predict|calibrate`: the
 * hardware models as a user meets them.
 *
 * One command with verbs, each a small function with its own GOption
 * context ("hw predict --help"), so `dawnsim help hw` lists the verbs and
 * each verb documents itself. Every verb calls into hwmodels/ and prints;
 * machine formats carry exact numbers in seconds and bytes.
 */
#include "config.h"

#include "cli/cli.h"
#include "cli/table.h"
#include "core/cluster-json.h"
#include "core/json-writer.h"
#include "core/units.h"
#include "hwmodels/calibrate.h"
#include "hwmodels/cost.h"
#include "hwmodels/detect.h"
#include "hwmodels/presets.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef gboolean (*HwVerbFn) (int argc, char **argv, GError **error);

/* ---- shared helpers ---- */

/* ds_cli_parse for a verb: its hint must name 'dawnsim hw VERB --help',
 * since 'dawnsim help' takes a single command. */
static gboolean
hw_parse (GOptionContext *context, const char *verb, int *argc, char ***argv,
          GError **error)
{
  g_autoptr(GError) local = NULL;

  if (g_option_context_parse (context, argc, argv, &local))
    return TRUE;
  return ds_cli_usage (error, "hw %s: %s (see 'dawnsim hw %s --help')", verb,
                       local->message, verb);
}

static const char *
fmt_rate (char buf[DS_NUM_BUF], double v, const char *unit)
{
  static const char *const prefixes[] = { "", "K", "M", "G", "T", "P" };
  guint i = 0;

  while (v >= 1000 && i + 1 < G_N_ELEMENTS (prefixes))
    {
      v /= 1000;
      i++;
    }
  g_snprintf (buf, DS_NUM_BUF, "%.4g %s%s", v, prefixes[i], unit);
  return buf;
}

/* "1048576", "1MiB", "4 GiB", "2.5e9", "10GB": bytes as a double. */
static gboolean
parse_bytes (const char *text, double *out, GError **error)
{
  static const struct { const char *suffix; double scale; } units[] = {
    { "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
    { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "B", 1 }, { "", 1 },
  };
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);

  while (end != NULL && *end == ' ')
    end++;
  for (guint i = 0; end != NULL && end != text && i < G_N_ELEMENTS (units); i++)
    if (strcmp (end, units[i].suffix) == 0 && isfinite (v) && v >= 0)
      {
        *out = v * units[i].scale;
        return TRUE;
      }
  return ds_cli_usage (error, "'%s' is not a size in bytes (e.g. 1048576, "
                       "64MiB, 1GB)", text);
}

static void
print_time (DsOutputFormat format, const char *what, double t_s)
{
  static const char *const headers[] = { "what", "time_s" };
  char b[DS_NUM_BUF];
  g_autofree char *text = NULL;

  if (format == DS_OUTPUT_JSON)
    {
      DsJsonWriter *w = ds_json_writer_new ();
      ds_json_begin_object_inline (w);
      ds_json_member_string (w, "what", what);
      ds_json_member_double (w, "time_s", t_s);
      ds_json_end_object (w);
      text = ds_json_writer_finish (w, NULL);
    }
  else if (format == DS_OUTPUT_CSV)
    {
      g_autoptr(DsTable) t = ds_table_new (2, headers, "lr");
      ds_table_add_row (t, (const char *const[]) { what, ds_fmt_double (b, t_s) });
      text = ds_table_to_csv (t);
    }
  else
    text = g_strdup_printf ("%s: %s\n", what, ds_fmt_seconds_human (b, t_s));
  fputs (text, stdout);
}

/* ---- list ---- */

static void
list_devices_human (GPtrArray *names, GString *out)
{
  const char *headers[] = { "device", "fp32", "bf16", "memory", "mem bw", "title" };
  g_autoptr(DsTable) t = ds_table_new (6, headers, "lrrrrl");
  g_autofree char *text = NULL;

  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(DsHwDevice) d = ds_hw_device_open (g_ptr_array_index (names, i), NULL);
      char b[4][DS_NUM_BUF];
      if (d == NULL)
        continue;
      ds_table_add_row (t, (const char *const[]) {
        d->name, fmt_rate (b[0], ds_hw_device_peak (d, "fp32"), "FLOP/s"),
        ds_hw_device_peak (d, "bf16") > 0 ? fmt_rate (b[1], ds_hw_device_peak (d, "bf16"), "FLOP/s") : "-",
        ds_fmt_bytes_human (b[2], d->memory_bytes),
        fmt_rate (b[3], d->mem_bw_bytes_per_s, "B/s"), d->title });
    }
  text = ds_table_to_human (t);
  g_string_append_printf (out, "Devices\n%s\n", text);
}

static void
list_links_human (GPtrArray *links, GString *out)
{
  const char *headers[] = { "link", "bandwidth", "latency", "efficiency", "title" };
  g_autoptr(DsTable) t = ds_table_new (5, headers, "lrrrl");
  g_autofree char *text = NULL;

  for (guint i = 0; i < links->len; i++)
    {
      const DsHwLink *l = g_ptr_array_index (links, i);
      char b[3][DS_NUM_BUF];
      g_snprintf (b[2], DS_NUM_BUF, "%.2f", l->efficiency);
      ds_table_add_row (t, (const char *const[]) {
        l->name, fmt_rate (b[0], l->bw_bytes_per_s, "B/s"),
        ds_fmt_seconds_human (b[1], l->latency_s), b[2], l->title });
    }
  text = ds_table_to_human (t);
  g_string_append_printf (out, "Links (bandwidth per direction)\n%s\n", text);
}

static void
list_clusters_human (GPtrArray *names, GString *out)
{
  const char *headers[] = { "cluster", "devices", "device", "levels" };
  g_autoptr(DsTable) t = ds_table_new (4, headers, "lrll");
  g_autofree char *text = NULL;

  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(DsCluster) c = ds_hw_cluster_open (g_ptr_array_index (names, i), 0, NULL);
      g_autoptr(GString) levels = g_string_new (NULL);
      char n[16];
      if (c == NULL)
        continue;
      for (guint l = 0; l < ds_cluster_n_levels (c); l++)
        g_string_append_printf (levels, "%s%u x %s", l ? ", " : "",
                                ds_cluster_level (c, l)->count,
                                ds_cluster_level (c, l)->name ? ds_cluster_level (c, l)->name : "?");
      g_snprintf (n, sizeof n, "%u", ds_cluster_n_devices (c));
      ds_table_add_row (t, (const char *const[]) {
        (const char *) g_ptr_array_index (names, i), n,
        ds_cluster_device_const (c)->name, levels->str });
    }
  text = ds_table_to_human (t);
  g_string_append_printf (out, "Clusters (A, B, C = pipedream-a, -b, -c; or a spec "
                          "like h100:8x4,nvlink4,ib-ndr)\n%s", text);
}

static void
list_json (GPtrArray *devices, GPtrArray *links, GPtrArray *clusters)
{
  DsJsonWriter *w = ds_json_writer_new ();
  g_autofree char *text = NULL;

  ds_json_begin_object (w);
  ds_json_member (w, "devices");
  ds_json_begin_array_inline (w);
  for (guint i = 0; i < devices->len; i++)
    ds_json_string (w, g_ptr_array_index (devices, i));
  ds_json_end_array (w);
  ds_json_member (w, "links");
  ds_json_begin_array_inline (w);
  for (guint i = 0; i < links->len; i++)
    ds_json_string (w, ((DsHwLink *) g_ptr_array_index (links, i))->name);
  ds_json_end_array (w);
  ds_json_member (w, "clusters");
  ds_json_begin_array_inline (w);
  for (guint i = 0; i < clusters->len; i++)
    ds_json_string (w, g_ptr_array_index (clusters, i));
  ds_json_end_array (w);
  ds_json_end_object (w);
  text = ds_json_writer_finish (w, NULL);
  fputs (text, stdout);
}

static gboolean
hw_list (int argc, char **argv, GError **error)
{
  g_autofree char *format_name = NULL;
  const GOptionEntry entries[] = {
    DS_CLI_FORMAT_OPTION (&format_name),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "hw list", "", "List the device, link and cluster presets.", NULL, entries);
  g_autoptr(GPtrArray) devices = NULL, clusters = NULL, links = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  DsOutputFormat format;

  if (!hw_parse (context, "list", &argc, &argv, error)
      || !ds_cli_output_format (format_name, &format, error))
    return FALSE;
  if (argc != 1)
    return ds_cli_usage (error, "hw list takes no arguments");
  if ((devices = ds_hw_preset_names ("devices", error)) == NULL
      || (clusters = ds_hw_preset_names ("clusters", error)) == NULL
      || (links = ds_hw_links_open (error)) == NULL)
    return FALSE;
  if (format == DS_OUTPUT_JSON)
    {
      list_json (devices, links, clusters);
      return TRUE;
    }
  if (format == DS_OUTPUT_CSV)
    {
      fputs ("kind,name\n", stdout);
      for (guint i = 0; i < devices->len; i++)
        printf ("device,%s\n", (char *) g_ptr_array_index (devices, i));
      for (guint i = 0; i < links->len; i++)
        printf ("link,%s\n", ((DsHwLink *) g_ptr_array_index (links, i))->name);
      for (guint i = 0; i < clusters->len; i++)
        printf ("cluster,%s\n", (char *) g_ptr_array_index (clusters, i));
      return TRUE;
    }
  list_devices_human (devices, out);
  list_links_human (links, out);
  list_clusters_human (clusters, out);
  fputs (out->str, stdout);
  return TRUE;
}

/* ---- show ---- */

static void
show_device (const DsHwDevice *d, DsOutputFormat format)
{
  static const char *const dtypes[] = { "fp32", "tf32", "fp16", "bf16", "fp8" };
  char b[4][DS_NUM_BUF];

  if (format != DS_OUTPUT_HUMAN)
    {
      DsJsonWriter *w = ds_json_writer_new ();
      g_autofree char *text = NULL;
      ds_json_begin_object (w);
      ds_json_member_string (w, "name", d->name);
      ds_json_member_string (w, "title", d->title);
      ds_json_member_uint64 (w, "memory_bytes", d->memory_bytes);
      ds_json_member_double (w, "mem_bw_bytes_per_s", d->mem_bw_bytes_per_s);
      ds_json_member_double (w, "host_bw_bytes_per_s", d->host_bw_bytes_per_s);
      ds_json_member_double (w, "launch_s", d->launch_s);
      ds_json_member (w, "peak_flops_per_s");
      ds_json_begin_object_inline (w);
      for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
        if (ds_hw_device_peak (d, dtypes[i]) > 0)
          ds_json_member_double (w, dtypes[i], ds_hw_device_peak (d, dtypes[i]));
      ds_json_end_object (w);
      ds_json_end_object (w);
      text = ds_json_writer_finish (w, NULL);
      fputs (text, stdout);
      return;
    }
  printf ("%s: %s\n  source: %s\n  memory %s at %s, host link %s, launch %s\n  peaks:",
          d->name, d->title, d->source, ds_fmt_bytes_human (b[0], d->memory_bytes),
          fmt_rate (b[1], d->mem_bw_bytes_per_s, "B/s"),
          fmt_rate (b[2], d->host_bw_bytes_per_s, "B/s"),
          ds_fmt_seconds_human (b[3], d->launch_s));
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (ds_hw_device_peak (d, dtypes[i]) > 0)
      printf (" %s %s", dtypes[i], fmt_rate (b[0], ds_hw_device_peak (d, dtypes[i]), "FLOP/s"));
  printf ("\n  efficiency:");
  for (guint w = 0; w < DS_HW_N_WORK; w++)
    printf (" %s %.2f (floor %s, p %.2g)", ds_hw_work_name (w), d->curves[w].max,
            ds_fmt_seconds_human (b[0], d->curves[w].floor_s), d->curves[w].p);
  printf ("\n");
}

static void
show_cluster (const DsCluster *c, DsOutputFormat format)
{
  const char *headers[] = { "level", "name", "count", "bandwidth", "latency" };
  g_autoptr(DsTable) t = ds_table_new (5, headers, "rlrrr");
  g_autofree char *text = NULL;

  if (format != DS_OUTPUT_HUMAN)
    {
      text = ds_cluster_write_json (c, NULL);
      fputs (text, stdout);
      return;
    }
  for (guint i = 0; i < ds_cluster_n_levels (c); i++)
    {
      const DsClusterLevel *l = ds_cluster_level (c, i);
      char b[4][DS_NUM_BUF];
      g_snprintf (b[0], DS_NUM_BUF, "%u", i);
      g_snprintf (b[1], DS_NUM_BUF, "%u", l->count);
      ds_table_add_row (t, (const char *const[]) {
        b[0], l->name ? l->name : "", b[1], fmt_rate (b[2], l->bw_bytes_per_s, "B/s"),
        ds_fmt_seconds_human (b[3], l->latency_s) });
    }
  text = ds_table_to_human (t);
  printf ("cluster %s: %u x %s\n\n%s", ds_cluster_get_name (c),
          ds_cluster_n_devices (c), ds_cluster_device_const (c)->name, text);
}

static gboolean
hw_show (int argc, char **argv, GError **error)
{
  g_autofree char *format_name = NULL;
  int gpus = 0;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "Output: human (default), json or csv (same as json)", "FMT" },
    { "gpus", 'g', 0, G_OPTION_ARG_INT, &gpus,
      "Resize a cluster's outermost level to N devices", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "hw show", "NAME", "Show a device preset or a cluster.",
      "NAME is a device preset, a cluster preset (A, B, C are PipeDream's),\n"
      "a cluster file, or a spec such as h100:8x4,nvlink4,ib-ndr.\n\n"
      "Examples:\n  dawnsim hw show h200\n  dawnsim hw show A --gpus 8\n"
      "  dawnsim hw show h100:8x4,nvlink4,ib-ndr --format json", entries);
  g_autoptr(DsHwDevice) device = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  DsOutputFormat format;

  if (!hw_parse (context, "show", &argc, &argv, error)
      || !ds_cli_output_format (format_name, &format, error))
    return FALSE;
  if (argc != 2)
    return ds_cli_usage (error, "hw show takes one NAME (see 'dawnsim hw show --help')");
  if (gpus < 0)
    return ds_cli_usage (error, "--gpus must be >= 1, got %d", gpus);
  if (gpus == 0 && strchr (argv[1], ':') == NULL
      && (device = ds_hw_device_open (argv[1], NULL)) != NULL)
    {
      show_device (device, format);
      return TRUE;
    }
  if ((cluster = ds_hw_cluster_open (argv[1], gpus, error)) == NULL)
    return FALSE;
  show_cluster (cluster, format);
  return TRUE;
}

/* ---- detect ---- */

static void
print_detected (const DsHwDetected *det, FILE *out)
{
  char b[DS_NUM_BUF];

  fprintf (out, "host: %u packages, %u cores, %u PUs, %u NUMA nodes, %s memory\n",
           det->n_packages, det->n_cores, det->n_pus, det->n_numa,
           ds_fmt_bytes_human (b, det->memory_bytes));
  for (guint i = 0; i < 4; i++)
    if (det->cache_bytes[i] > 0)
      fprintf (out, "  L%u cache %s\n", i + 1, ds_fmt_bytes_human (b, det->cache_bytes[i]));
  fprintf (out, "GPUs: %u%s\n", det->gpus->len,
           det->gpus->len ? "" : " (hwloc sees none on the PCI bus)");
  for (guint i = 0; i < det->gpus->len; i++)
    {
      const DsHwPciDevice *g = g_ptr_array_index (det->gpus, i);
      fprintf (out, "  %s %04x:%04x link %s preset %s\n", g->bus_id, g->vendor_id,
               g->device_id, g->link_bytes_per_s > 0 ? fmt_rate (b, g->link_bytes_per_s, "B/s")
               : "unknown", g->preset ? g->preset : "(none)");
    }
  fprintf (out, "NICs: %u\n", det->nics->len);
  for (guint i = 0; i < det->nics->len; i++)
    {
      const DsHwPciDevice *n = g_ptr_array_index (det->nics, i);
      fprintf (out, "  %s %04x:%04x\n", n->bus_id, n->vendor_id, n->device_id);
    }
  fprintf (out, "NVLink: not detected (needs NVML at run time)\n");
}

static gboolean
hw_detect (int argc, char **argv, GError **error)
{
  g_autofree char *format_name = NULL, *output = NULL;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "Output: human (default) or json (the cluster file)", "FMT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write the cluster file here", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "hw detect", "", "Describe this machine with hwloc, as a one-server cluster.",
      "Cores, NUMA nodes, caches, PCI GPUs and NICs; GPUs with a known PCI id\n"
      "get their preset's peaks. NVLink is not detected.\n\n"
      "Examples:\n  dawnsim hw detect\n  dawnsim hw detect -o here.json", entries);
  g_autoptr(DsHwDetected) det = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  g_autofree char *text = NULL;
  DsOutputFormat format;
  gsize len = 0;

  if (!hw_parse (context, "detect", &argc, &argv, error)
      || !ds_cli_output_format (format_name, &format, error))
    return FALSE;
  if (argc != 1)
    return ds_cli_usage (error, "hw detect takes no arguments");
  if ((det = ds_hw_detect (error)) == NULL)
    return FALSE;
  cluster = ds_hw_detected_cluster (det);
  text = ds_cluster_write_json (cluster, &len);
  if (output != NULL && !ds_write_file (output, text, len, error))
    return FALSE;
  if (format == DS_OUTPUT_HUMAN)
    print_detected (det, stdout);
  else
    fputs (text, stdout);
  return TRUE;
}

/* ---- predict ---- */

typedef struct {
  char *device, *dtype, *calibration, *kind, *cluster, *algo, *format;
  int gpus;
} PredictArgs;

static void
predict_args_clear (PredictArgs *a)
{
  g_free (a->device);
  g_free (a->dtype);
  g_free (a->calibration);
  g_free (a->kind);
  g_free (a->cluster);
  g_free (a->algo);
  g_free (a->format);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PredictArgs, predict_args_clear)

static DsHwDevice *
open_device (const PredictArgs *a, GError **error)
{
  g_autoptr(DsHwDevice) d = ds_hw_device_open (a->device ? a->device : "h200", error);
  g_autoptr(DsHwCalibration) cal = NULL;

  if (d == NULL)
    return NULL;
  if (a->calibration != NULL
      && ((cal = ds_hw_calibration_load (a->calibration, error)) == NULL
          || !ds_hw_calibration_apply (cal, d, error)))
    return NULL;
  return g_steal_pointer (&d);
}

static gboolean
parse_dim (const char *text, double *out, GError **error)
{
  guint64 v = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32, &v, NULL))
    return ds_cli_usage (error, "'%s' is not a matrix size (a whole number >= 1)", text);
  *out = v;
  return TRUE;
}

static gboolean
predict_gemm (int argc, char **argv, const PredictArgs *a, double *t_s,
              GError **error)
{
  double m = 0, n = 0, k = 0;
  g_autoptr(DsHwDevice) d = NULL;

  if (argc != 5)
    return ds_cli_usage (error, "hw predict gemm takes M N K");
  if (!parse_dim (argv[2], &m, error) || !parse_dim (argv[3], &n, error)
      || !parse_dim (argv[4], &k, error)
      || (d = open_device (a, error)) == NULL)
    return FALSE;
  return ds_hw_gemm_time_s (d, a->dtype ? a->dtype : "fp32", m, n, k, t_s, error);
}

static gboolean
predict_copy (int argc, char **argv, const PredictArgs *a, double *t_s,
              GError **error)
{
  double bytes;
  DsHwCopyKind kind = DS_HW_COPY_D2D;
  g_autoptr(DsHwDevice) d = NULL;

  if (argc != 3)
    return ds_cli_usage (error, "hw predict copy takes BYTES");
  if (!parse_bytes (argv[2], &bytes, error))
    return FALSE;
  if (a->kind != NULL && !ds_hw_copy_kind_parse (a->kind, &kind))
    return ds_cli_usage (error, "--kind must be d2d, h2d or d2h, got '%s'", a->kind);
  if ((d = open_device (a, error)) == NULL)
    return FALSE;
  *t_s = ds_hw_copy_time_s (d, kind, bytes);
  return TRUE;
}

static gboolean
predict_collective (int argc, char **argv, const PredictArgs *a, double *t_s,
                    GError **error)
{
  g_autofree char *name = g_strdup_printf ("%s%s%s", argv[1],
                                           a->algo ? "-" : "", a->algo ? a->algo : "");
  DsHwCollective op;
  double bytes;
  g_autoptr(DsCluster) c = NULL;

  if (argc != 3)
    return ds_cli_usage (error, "hw predict %s takes BYTES", argv[1]);
  if (!ds_hw_collective_parse (name, &op))
    return ds_cli_usage (error, "no collective '%s' (allreduce with --algo ring, "
                         "tree or hier; allgather, reduce-scatter, broadcast, "
                         "alltoall, ps)", name);
  if (a->cluster == NULL)
    return ds_cli_usage (error, "hw predict %s needs --cluster", argv[1]);
  if (a->gpus < 0)
    return ds_cli_usage (error, "--gpus must be >= 1, got %d", a->gpus);
  if (!parse_bytes (argv[2], &bytes, error)
      || (c = ds_hw_cluster_open (a->cluster, a->gpus, error)) == NULL)
    return FALSE;
  *t_s = ds_hw_cluster_collective_time_s (c, op, bytes);
  return TRUE;
}

static gboolean
predict_ps (int argc, char **argv, const PredictArgs *a, double *t_s,
            GError **error)
{
  double bytes;
  g_autoptr(DsCluster) c = NULL;

  if (argc != 3)
    return ds_cli_usage (error, "hw predict ps takes BYTES");
  if (a->cluster == NULL)
    return ds_cli_usage (error, "hw predict ps needs --cluster");
  if (a->gpus < 0)
    return ds_cli_usage (error, "--gpus must be >= 1, got %d", a->gpus);
  if (!parse_bytes (argv[2], &bytes, error)
      || (c = ds_hw_cluster_open (a->cluster, a->gpus, error)) == NULL)
    return FALSE;
  *t_s = ds_hw_ps_exchange_time_s (c, bytes);
  return TRUE;
}

static gboolean
hw_predict (int argc, char **argv, GError **error)
{
  g_auto(PredictArgs) a = { 0 };
  const GOptionEntry entries[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &a.device, "Device preset or file (default h200)", "NAME" },
    { "dtype", 't', 0, G_OPTION_ARG_STRING, &a.dtype, "fp32 (default), tf32, fp16, bf16 or fp8", "DTYPE" },
    { "calibration", 'c', 0, G_OPTION_ARG_FILENAME, &a.calibration, "Calibration file from 'hw calibrate'", "FILE" },
    { "kind", 'k', 0, G_OPTION_ARG_STRING, &a.kind, "Copy kind: d2d (default), h2d or d2h", "KIND" },
    { "cluster", 'C', 0, G_OPTION_ARG_STRING, &a.cluster, "Cluster preset, file or spec", "CLUSTER" },
    { "gpus", 'g', 0, G_OPTION_ARG_INT, &a.gpus, "Resize the cluster to N devices", "N" },
    { "algo", 'a', 0, G_OPTION_ARG_STRING, &a.algo, "All-reduce algorithm: ring (default), tree or hier", "ALGO" },
    DS_CLI_FORMAT_OPTION (&a.format),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "hw predict", "WHAT ARGS...", "Predict the time of a GEMM, a copy or a collective.",
      "WHAT is one of:\n"
      "  gemm M N K          C = A(MxK) B(KxN) on --device with --dtype\n"
      "  copy BYTES          a --kind copy on --device\n"
      "  allreduce BYTES     on --cluster (--algo ring, tree or hier)\n"
      "  allgather, reduce-scatter, alltoall, broadcast BYTES   on --cluster\n"
      "  ps BYTES            PipeDream's parameter-server exchange on --cluster\n"
      "BYTES takes KiB, MiB, GiB, KB, MB, GB suffixes.\n\n"
      "Examples:\n"
      "  dawnsim hw predict gemm 8192 8192 8192 --dtype bf16 --device h200\n"
      "  dawnsim hw predict copy 1GiB --kind h2d --calibration h200-cal.json\n"
      "  dawnsim hw predict allreduce 100MB --cluster C --format json", entries);
  DsOutputFormat format;
  double t_s = 0;
  gboolean ok;

  if (!hw_parse (context, "predict", &argc, &argv, error)
      || !ds_cli_output_format (a.format, &format, error))
    return FALSE;
  if (argc < 2)
    return ds_cli_usage (error, "hw predict needs WHAT (see 'dawnsim hw predict --help')");
  if (strcmp (argv[1], "gemm") == 0)
    ok = predict_gemm (argc, argv, &a, &t_s, error);
  else if (strcmp (argv[1], "copy") == 0)
    ok = predict_copy (argc, argv, &a, &t_s, error);
  else if (strcmp (argv[1], "ps") == 0)
    ok = predict_ps (argc, argv, &a, &t_s, error);
  else
    ok = predict_collective (argc, argv, &a, &t_s, error);
  if (!ok)
    return FALSE;
  print_time (format, argv[1], t_s);
  return TRUE;
}

/* ---- calibrate ---- */

static void
print_fits (const DsHwCalibration *cal, DsOutputFormat format)
{
  const char *headers[] = { "rate", "throughput", "floor", "offset", "p",
                            "fit rows", "tested", "held out", "MAPE", "max error" };
  g_autoptr(DsTable) t = ds_table_new (10, headers, "lrrrrrrlrr");
  g_autofree char *text = NULL;

  for (guint i = 0; i < cal->fits->len; i++)
    {
      const DsHwFit *f = g_ptr_array_index (cal->fits, i);
      char b[9][DS_NUM_BUF];
      gboolean flops = !g_str_has_prefix (f->key, "copy/");
      fmt_rate (b[0], f->rate.rate_per_s, flops ? "FLOP/s" : "B/s");
      ds_fmt_seconds_human (b[1], f->rate.floor_s);
      ds_fmt_seconds_human (b[2], f->rate.offset_s);
      g_snprintf (b[3], DS_NUM_BUF, "%.3g", f->rate.p);
      g_snprintf (b[4], DS_NUM_BUF, "%u", f->n_fit);
      g_snprintf (b[5], DS_NUM_BUF, "%u", f->n_test);
      g_snprintf (b[6], DS_NUM_BUF, "%.2f%%", 100 * f->test_mape);
      g_snprintf (b[7], DS_NUM_BUF, "%.2f%%", 100 * f->test_max_error);
      ds_table_add_row (t, (const char *const[]) {
        f->key, b[0], b[1], b[2], b[3], b[4], b[5], f->held_out ? "yes" : "no",
        b[6], b[7] });
    }
  text = format == DS_OUTPUT_CSV ? ds_table_to_csv (t) : ds_table_to_human (t);
  fputs (text, stdout);
}

static gboolean
hw_calibrate (int argc, char **argv, GError **error)
{
  g_autofree char *device = NULL, *output = NULL, *format_name = NULL;
  const GOptionEntry entries[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "The device measured (required)", "NAME" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the calibration file here", "FILE" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "Output: human (default), json (the calibration file) or csv", "FMT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "hw calibrate", "MEASUREMENTS_DIR",
      "Fit GEMM, convolution and copy curves to measurements.",
      "Reads gemm.csv, mem.csv and layers.csv (its VGG-16 Conv2d rows) from\n"
      "MEASUREMENTS_DIR. GEMM and convolution curves are fitted on alternate\n"
      "rows per dtype and tested on the others (>= 1 GFLOP); copy curves are\n"
      "fitted on every size and tested at every size >= 1 MiB.\n\n"
      "Example:\n  dawnsim hw calibrate ../shared/data/h200 --device h200 -o h200-cal.json",
      entries);
  g_autoptr(DsHwCalibration) cal = NULL;
  g_autoptr(DsHwDevice) d = NULL;
  g_autofree char *text = NULL;
  DsOutputFormat format;

  if (!hw_parse (context, "calibrate", &argc, &argv, error)
      || !ds_cli_output_format (format_name, &format, error))
    return FALSE;
  if (argc != 2)
    return ds_cli_usage (error, "hw calibrate takes one MEASUREMENTS_DIR");
  if (device == NULL)
    return ds_cli_usage (error, "hw calibrate needs --device");
  if ((d = ds_hw_device_open (device, error)) == NULL
      || (cal = ds_hw_calibrate_dir (argv[1], d->name, error)) == NULL)
    return FALSE;
  text = ds_hw_calibration_write_json (cal);
  if (output != NULL && !ds_write_file (output, text, -1, error))
    return FALSE;
  if (format == DS_OUTPUT_JSON)
    fputs (text, stdout);
  else
    print_fits (cal, format);
  return TRUE;
}

/* ---- the command ---- */

static const struct { const char *name; HwVerbFn run; const char *summary; } verbs[] = {
  { "list",      hw_list,      "list device, link and cluster presets" },
  { "show",      hw_show,      "show a device or a cluster" },
  { "detect",    hw_detect,    "describe this machine (hwloc) as a cluster file" },
  { "predict",   hw_predict,   "predict a GEMM, copy or collective time" },
  { "calibrate", hw_calibrate, "fit curves to measurements" },
};

gboolean
ds_cmd_hw (int argc, char **argv, GError **error)
{
  g_autoptr(GString) desc = g_string_new ("Verbs:\n");
  g_autoptr(GOptionContext) context = NULL;

  if (argc >= 2 && argv[1][0] != '-')
    {
      for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
        if (strcmp (argv[1], verbs[i].name) == 0)
          return verbs[i].run (argc - 1, argv + 1, error);
      return ds_cli_usage (error, "hw: no verb '%s' (see 'dawnsim help hw')", argv[1]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    g_string_append_printf (desc, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
  g_string_append (desc, "\nRun 'dawnsim hw VERB --help' for a verb's options.");
  context = ds_cli_context ("hw", "VERB [ARGS...]",
                            "Hardware models: presets, detection, predictions, calibration.",
                            desc->str, NULL);
  if (!ds_cli_parse (context, "hw", &argc, &argv, error))
    return FALSE;
  return ds_cli_usage (error, "hw needs a verb: list, show, detect, predict or "
                       "calibrate (see 'dawnsim help hw')");
}
