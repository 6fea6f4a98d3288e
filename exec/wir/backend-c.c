/* exec/wir/backend-c.c - compile, cache, load and call C kernels
 * (backend-c.h). The source comes from emit-c.c.
 *
 * Compiling: `cc -O3 -fPIC -shared -fwrapv -std=gnu11 -ffp-contract=off
 * -fno-math-errno -fno-trapping-math` (weld.md §10.3: never -ffast-math;
 * -fwrapv for wrapping integers; no FMA contraction, so results equal the
 * interpreter's bit for bit; -O3, not -O2, because gcc 12's -O2 cost model
 * ("very cheap") vectorizes no loop that needs an epilogue or an aliasing
 * check, which is every tight loop of emit-c.c). WIR observes neither
 * errno nor floating-point exceptions, so neither flag changes a value;
 * without -fno-trapping-math gcc computes the arms of a select under a
 * mask, loads included, so as not to raise a flag the source would not
 * (bias + dropout on one core, mapped output: 20 ms masked, 11 ms not).
 * $CC overrides the compiler. Loading: GModule, as exec/blas.c opens OpenBLAS.
 */
#include "config.h"

#include "exec/wir/backend-c.h"
#include "exec/wir/wir-private.h"

#include <glib/gstdio.h>
#include <gmodule.h>
#include <unistd.h>
#include <string.h>

/* bump when the emitted code changes meaning: it is part of the key */
#define WIR_C_EMITTER_VERSION "wir-c-8"
#define WIR_C_FLAGS "-O3 -fPIC -shared -fwrapv -std=gnu11 -ffp-contract=off -fno-math-errno -fno-trapping-math"

typedef struct {
  void *(*alloc) (void *self, gint64 bytes);
  void *self;
  int bounds_check;
  int error;
  guint32 error_pos;
} WirCtx;

typedef int (*WirEntry) (const void *args, void *out, WirCtx *ctx);

struct _WirKernel {
  WirProgram *prog;       /* borrowed: its types describe args and result */
  char *key;
  WirEntry entry;
  gboolean bounds_check;
  WirType *args_type;     /* the argument struct (in prog's pool), built
                           * once: runs allocate nothing in the program */
  gsize args_size;
};

static GMutex cache_lock;
static GHashTable *loaded;      /* key -> GModule *, never closed */

static const char *
compiler (void)
{
  const char *cc = g_getenv ("CC");
  return cc != NULL && *cc != '\0' ? cc : "cc";
}

static char *
compiler_version (GError **error)
{
  static char *version;
  g_mutex_lock (&cache_lock);
  if (version == NULL)
    {
      const char *argv[] = { compiler (), "--version", NULL };
      char *out = NULL;
      int status = 0;
      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                         NULL, NULL, &out, NULL, &status, error)
          || !g_spawn_check_wait_status (status, error))
        {
          g_free (out);
          g_mutex_unlock (&cache_lock);
          g_prefix_error (error, "C compiler '%s': ", compiler ());
          return NULL;
        }
      version = out;
    }
  g_mutex_unlock (&cache_lock);
  return g_strdup (version);
}

static char *
cpu_model (void)
{
  g_autofree char *info = NULL;
  if (!g_file_get_contents ("/proc/cpuinfo", &info, NULL, NULL))
    return g_strdup ("unknown");
  const char *m = strstr (info, "model name");
  return m != NULL ? g_strndup (m, strcspn (m, "\n")) : g_strdup ("unknown");
}

static char *
flags_of (const WirCOptions *o)
{
  return g_strdup_printf ("%s%s%s", WIR_C_FLAGS, o != NULL && o->native ? " -march=native" : "",
                          o != NULL && o->parallel ? " -fopenmp" : "");
}

static char *
cache_dir (const WirCOptions *o)
{
  if (o != NULL && o->cache_dir != NULL)
    return g_strdup (o->cache_dir);
  return g_build_filename (g_get_user_cache_dir (), "dawnsim", "wir", NULL);
}

/* cc FLAGS -o so src -lm, into a temporary name beside @so, then rename */
static gboolean
compile_to (const char *src, gsize src_len, const char *so, const char *flags, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (so);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    return g_set_error (error, WIR_ERROR, WIR_ERROR_UNSUPPORTED, "cannot create the kernel cache '%s'", dir), FALSE;
  g_autofree char *base = g_strdup_printf ("%s.tmp-%d-%p", so, (int) getpid (), (void *) g_thread_self ());
  g_autofree char *c_path = g_strdup_printf ("%s.c", base);
  g_autofree char *so_tmp = g_strdup_printf ("%s.so", base);
  if (!g_file_set_contents (c_path, src, (gssize) src_len, error))
    return FALSE;
  g_autofree char *cmd = g_strdup_printf ("%s %s -o '%s' '%s' -lm", compiler (), flags, so_tmp, c_path);
  g_auto(GStrv) argv = NULL;
  if (!g_shell_parse_argv (cmd, NULL, &argv, error))
    return FALSE;
  g_autofree char *err = NULL;
  int status = 0;
  gboolean ok = g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                              NULL, NULL, NULL, &err, &status, error);
  if (ok && !g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, WIR_ERROR, WIR_ERROR_UNSUPPORTED, "C compiler failed on '%s':\n%.2000s",
                   c_path, err != NULL ? err : "");
      g_unlink (so_tmp);
      return FALSE;          /* the source stays, for the report */
    }
  g_unlink (c_path);
  if (!ok)
    return FALSE;
  if (g_rename (so_tmp, so) != 0)
    {
      g_unlink (so_tmp);
      return g_set_error (error, WIR_ERROR, WIR_ERROR_UNSUPPORTED, "cannot rename the kernel into '%s'", so), FALSE;
    }
  return TRUE;
}

/* The argument struct: the parameters in order, natural alignment. */
static void
args_struct (WirKernel *k)
{
  const WirExpr *l = k->prog->lambda;
  WirType *at = wir_type_new (k->prog, WIR_T_STRUCT);

  at->n_fields = l->n_params;
  at->fields = wir_alloc (k->prog, (l->n_params + 1) * sizeof (WirType *));
  for (guint i = 0; i < l->n_params; i++)
    at->fields[i] = l->params[i].type;
  k->args_type = at;
  k->args_size = l->n_params > 0 ? wir_type_size (at) : 1;
}

/* the module of @src compiled under @options: from memory, from the disk
 * cache, or compiled now; *key gets the cache key, *was_loaded whether it
 * was in memory */
static GModule *
load_source (const char *src, const WirCOptions *options, char **key_out, gboolean *was_loaded,
             GError **error)
{
  g_autofree char *version = compiler_version (error);
  if (version == NULL)
    return NULL;
  g_autofree char *flags = flags_of (options);
  g_autofree char *cpu = options != NULL && options->native ? cpu_model () : g_strdup ("");
  g_autofree char *material = g_strdup_printf ("%s\n%s\n%s\n%s\n%s", WIR_C_EMITTER_VERSION, version, flags, cpu, src);
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, material, -1);

  g_mutex_lock (&cache_lock);
  if (loaded == NULL)
    loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GModule *module = g_hash_table_lookup (loaded, key);
  *was_loaded = module != NULL;
  g_mutex_unlock (&cache_lock);
  if (module == NULL)
    {
      g_autofree char *dir = cache_dir (options);
      g_autofree char *name = g_strdup_printf ("%s.so", key);
      g_autofree char *so = g_build_filename (dir, name, NULL);
      if (!g_file_test (so, G_FILE_TEST_EXISTS) && !compile_to (src, strlen (src), so, flags, error))
        return NULL;
      module = g_module_open (so, G_MODULE_BIND_LOCAL);
      if (module == NULL)
        return g_set_error (error, WIR_ERROR, WIR_ERROR_UNSUPPORTED, "cannot load kernel '%s': %s",
                            so, g_module_error ()), NULL;
      g_module_make_resident (module);
      g_mutex_lock (&cache_lock);
      g_hash_table_replace (loaded, g_strdup (key), module);
      g_mutex_unlock (&cache_lock);
    }
  *key_out = g_steal_pointer (&key);
  return module;
}

WirKernel *
wir_c_compile (WirProgram *prog, const WirCOptions *options, double *compiled_s, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  g_autofree char *src = wir_c_emit (prog);
  g_autofree char *key = NULL;
  gboolean was_loaded = FALSE;
  GModule *module = load_source (src, options, &key, &was_loaded, error);
  if (module == NULL)
    return NULL;
  gpointer fn = NULL;
  if (!g_module_symbol (module, "wir_main", &fn) || fn == NULL)
    return g_set_error (error, WIR_ERROR, WIR_ERROR_UNSUPPORTED, "kernel %s has no wir_main", key), NULL;
  WirKernel *k = g_new0 (WirKernel, 1);
  k->prog = prog;
  k->key = g_steal_pointer (&key);
  k->entry = (WirEntry) fn;
  k->bounds_check = options == NULL || !options->no_bounds_check;
  args_struct (k);
  if (compiled_s != NULL)
    *compiled_s = was_loaded ? 0.0 : (double) (g_get_monotonic_time () - t0) / 1e6;
  return k;
}

gpointer
wir_c_compile_symbol (const char *source, const char *symbol, const WirCOptions *options,
                      GError **error)
{
  g_autofree char *src = g_strconcat (wir_c_rt_text (), source, NULL);
  g_autofree char *key = NULL;
  gboolean was_loaded = FALSE;
  GModule *module = load_source (src, options, &key, &was_loaded, error);
  gpointer fn = NULL;
  if (module != NULL && (!g_module_symbol (module, symbol, &fn) || fn == NULL))
    g_set_error (error, WIR_ERROR, WIR_ERROR_UNSUPPORTED, "module %s has no '%s'", key, symbol);
  return fn;
}

const char *
wir_kernel_key (const WirKernel *kernel)
{
  return kernel->key;
}

void
wir_kernel_free (WirKernel *kernel)
{
  if (kernel == NULL)
    return;
  g_free (kernel->key);
  g_free (kernel);
}

/* ---- values to and from the C layout (weld.md §4) ---- */

static void
store_c (WirType *t, guint8 *p, WirVal v)
{
  t = wir_type_resolve (t);
  if (t->kind == WIR_T_VEC)
    {
      gpointer data = v.u.v->data;
      memcpy (p, &data, sizeof data);
      memcpy (p + 8, &v.u.v->len, 8);
    }
  else if (t->kind == WIR_T_STRUCT)
    for (guint k = 0; k < t->n_fields; k++)
      store_c (t->fields[k], p + wir_type_field_offset (t, k), v.u.s->f[k]);
  else
    wir_store (t, p, v);
}

static WirVal
load_c (WirHeap *h, WirType *t, const guint8 *p)
{
  t = wir_type_resolve (t);
  WirVal v = { .kind = t->kind };
  if (t->kind == WIR_T_VEC)
    {
      v.u.v = wir_heap_alloc (h, sizeof *v.u.v);
      v.u.v->elem = t->elem;
      memcpy (&v.u.v->data, p, sizeof (gpointer));
      memcpy (&v.u.v->len, p + 8, 8);
      return v;
    }
  if (t->kind == WIR_T_STRUCT)
    {
      v.u.s = wir_heap_struct (h, t->n_fields);
      for (guint k = 0; k < t->n_fields; k++)
        v.u.s->f[k] = load_c (h, t->fields[k], p + wir_type_field_offset (t, k));
      return v;
    }
  return wir_load (h, t, p);
}

static void *
host_alloc (void *self, gint64 bytes)
{
  return bytes < 0 ? NULL : wir_heap_alloc_data (self, (gsize) bytes);
}

static const WirErrorCode codes[] = {
  0, WIR_ERROR_OUT_OF_BOUNDS, WIR_ERROR_OUT_OF_MEMORY, WIR_ERROR_DIV_BY_ZERO, WIR_ERROR_ZIP_LENGTH,
};

WirValue *
wir_kernel_run (WirKernel *kernel, WirValue *const *args, guint n_args,
                const WirRunOptions *options, GError **error)
{
  WirProgram *prog = kernel->prog;
  const WirExpr *l = prog->lambda;
  if (n_args != l->n_params)
    return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "the kernel takes %u arguments, got %u",
                        l->n_params, n_args), NULL;
  WirType *at = kernel->args_type;
  g_autofree guint8 *buf = g_malloc0 (kernel->args_size + 1);
  g_autoptr(WirHeap) heap = wir_heap_new (options != NULL ? options->memory_limit_bytes : 0);
  for (guint k = 0; k < l->n_params; k++)
    {
      if (args[k]->type != NULL && !wir_type_equal (args[k]->type, l->params[k].type))
        return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "argument '%s' has the wrong type",
                            l->params[k].name), NULL;
      store_c (l->params[k].type, buf + wir_type_field_offset (at, k), args[k]->v);
      wir_heap_depend (heap, args[k]->heap);
    }
  g_autofree guint8 *out = g_malloc0 (wir_type_size (l->type) + 8);
  WirCtx ctx = { host_alloc, heap, kernel->bounds_check, 0, 0 };
  if (options != NULL && options->alloc != NULL)
    ctx.alloc = options->alloc, ctx.self = options->alloc_self;
  int rc = kernel->entry (buf, out, &ctx);
  if (rc != 0)
    {
      WirErrorCode code = rc > 0 && rc < (int) G_N_ELEMENTS (codes) ? codes[rc] : WIR_ERROR_UNSUPPORTED;
      static const char *const what[] = { "", "out of bounds", "out of memory", "integer division by zero",
                                          "zipped iterators of unequal lengths" };
      wir_fail_at (prog, error, code, ctx.error_pos, ctx.error_pos + 1, "%s (compiled kernel)",
                   rc > 0 && rc < (int) G_N_ELEMENTS (what) ? what[rc] : "error");
      return NULL;
    }
  return wir_value_wrap (heap, load_c (heap, l->type, out), l->type);
}
