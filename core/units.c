/* core/units.c - exact and human number formatting (see units.h). */
#include "config.h"

#include "core/units.h"

#include <math.h>

const char *
ds_fmt_scaled (char buf[DS_NUM_BUF], double v, double scale)
{
  g_return_val_if_fail (isfinite (v), "0");
  /* whole numbers print whole: "50", not %g's "5e+01" */
  if (v * scale == floor (v * scale) && fabs (v * scale) < 9007199254740992.0)
    {
      g_snprintf (buf, DS_NUM_BUF, "%.0f", v * scale);
      if (g_ascii_strtod (buf, NULL) / scale == v)
        return buf;
    }
  /* 17 significant digits always round-trip a double; try fewer first. */
  for (int digits = 1; digits <= 17; digits++)
    {
      char fmt[8];

      g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
      g_ascii_formatd (buf, DS_NUM_BUF, fmt, v * scale);
      if (g_ascii_strtod (buf, NULL) / scale == v)
        return buf;
    }
  /* v * scale lost the last bit: no decimal reads back exactly through the
   * division; the 17-digit text is the closest there is. */
  g_ascii_formatd (buf, DS_NUM_BUF, "%.17g", v * scale);
  return buf;
}

const char *
ds_fmt_double (char buf[DS_NUM_BUF], double v)
{
  return ds_fmt_scaled (buf, v, 1.0);
}

/* One value with a scale from @units (ascending by factor). */
typedef struct {
  double factor;
  const char *suffix;
} Scale;

static const char *
fmt_scaled_human (char buf[DS_NUM_BUF], double v, const Scale *units,
                  guint n_units)
{
  guint i = 0;
  double x;
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  while (i + 1 < n_units && fabs (v) >= units[i + 1].factor)
    i++;
  x = v / units[i].factor;
  /* four significant digits: "138.4 M", "12.3 ms", "527.8 MiB"; no
   * exponents ("86400 s"); a decimal point whatever the locale, since
   * these strings also go into files (SVG, CSV) that must not depend on
   * who wrote them. */
  g_ascii_formatd (num, sizeof num, fabs (x) >= 10000 ? "%.0f" : "%.4g", x);
  g_snprintf (buf, DS_NUM_BUF, "%s %s", num, units[i].suffix);
  return buf;
}

const char *
ds_fmt_seconds_human (char buf[DS_NUM_BUF], double s)
{
  static const Scale units[] = {
    { 1e-9, "ns" }, { 1e-6, "us" }, { 1e-3, "ms" }, { 1.0, "s" },
  };

  return fmt_scaled_human (buf, s, units, G_N_ELEMENTS (units));
}

const char *
ds_fmt_bytes_human (char buf[DS_NUM_BUF], double bytes)
{
  static const Scale units[] = {
    { 1.0, "B" }, { 1024.0, "KiB" }, { 1048576.0, "MiB" },
    { 1073741824.0, "GiB" }, { 1099511627776.0, "TiB" },
  };

  return fmt_scaled_human (buf, bytes, units, G_N_ELEMENTS (units));
}

const char *
ds_fmt_flops_human (char buf[DS_NUM_BUF], double flops)
{
  static const Scale units[] = {
    { 1.0, "FLOP" }, { 1e3, "KFLOP" }, { 1e6, "MFLOP" }, { 1e9, "GFLOP" },
    { 1e12, "TFLOP" }, { 1e15, "PFLOP" }, { 1e18, "EFLOP" },
  };

  return fmt_scaled_human (buf, flops, units, G_N_ELEMENTS (units));
}

const char *
ds_fmt_bandwidth_human (char buf[DS_NUM_BUF], double bytes_per_s)
{
  static const Scale units[] = {
    { 1.0, "B/s" }, { 1e3, "kB/s" }, { 1e6, "MB/s" }, { 1e9, "GB/s" },
    { 1e12, "TB/s" },
  };

  return fmt_scaled_human (buf, bytes_per_s, units, G_N_ELEMENTS (units));
}

const char *
ds_fmt_count_human (char buf[DS_NUM_BUF], double n)
{
  static const Scale units[] = {
    { 1.0, "" }, { 1e3, "K" }, { 1e6, "M" }, { 1e9, "B" }, { 1e12, "T" },
  };

  fmt_scaled_human (buf, n, units, G_N_ELEMENTS (units));
  g_strchomp (buf);
  return buf;
}
