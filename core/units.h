/* core/units.h - numbers at the edges: exact text for files, units for people.
 *
 * Inside dawnsim, time is seconds and size is bytes; inputs and outputs keep
 * the user's unit (fwd_ms, GB/s). Text written to files uses the shortest
 * decimal that reads back to the same double, so files are readable and
 * round trips are exact ("2.211", not json-glib's "2.2109999999999999").
 * Text for people picks a scale (ms, GiB, GFLOP) and a few digits.
 * All functions write into a caller's buffer of DS_NUM_BUF bytes and return
 * it; none allocates. Values must be finite.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DS_NUM_BUF 40

/* Shortest decimal text t with g_ascii_strtod (t) == v. */
const char *ds_fmt_double (char buf[DS_NUM_BUF], double v);
/* Shortest decimal text t with g_ascii_strtod (t) / scale == v: how a value
 * kept in seconds is written as milliseconds (scale 1000) so that the
 * reader's division gives back exactly the same seconds. */
const char *ds_fmt_scaled (char buf[DS_NUM_BUF], double v, double scale);

/* For people: "12.3 ms", "1.50 s", "850 us". */
const char *ds_fmt_seconds_human (char buf[DS_NUM_BUF], double s);
/* "528.0 MiB", "1.2 GiB", "512 B". */
const char *ds_fmt_bytes_human   (char buf[DS_NUM_BUF], double bytes);
/* "15.5 GFLOP", "3.1 TFLOP". */
const char *ds_fmt_flops_human   (char buf[DS_NUM_BUF], double flops);
/* "1 GB/s", "12.5 GB/s", "953 MB/s" (decimal, as links are sold). */
const char *ds_fmt_bandwidth_human (char buf[DS_NUM_BUF], double bytes_per_s);
/* "138.4 M", "25.6 M", "175.0 B" (counts: K, M, B, T). */
const char *ds_fmt_count_human   (char buf[DS_NUM_BUF], double n);

G_END_DECLS
