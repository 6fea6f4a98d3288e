/* exec/mpi.c - opening the MPI transport's module (see mpi.h). */
#include "config.h"

#include <gmodule.h>
#include <stdlib.h>

#include "core/error.h"
#include "exec/mpi.h"

typedef const DsMpi *(*InitFn) (GError **error);

gboolean
ds_mpi_launched (void)
{
  /* Open MPI's mpirun, then MPICH's Hydra and other PMI launchers */
  static const char *const vars[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK" };

  for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
    if (g_getenv (vars[i]) != NULL)
      return TRUE;
  return FALSE;
}

typedef struct {
  const DsMpi *mpi;
  GError *error;
} Opened;

#ifdef DS_HAVE_MPI
static gpointer
open_once (gpointer unused)
{
  const char *paths[] = { g_getenv ("DAWNSIM_MPI_MODULE"),
                          DS_PKGLIBDIR "/dawnsim-mpi.so",
                          DS_BUILD_MPI_MODULE };
  Opened *o = g_new0 (Opened, 1);
  GModule *module = NULL;
  gpointer init = NULL;

  (void) unused;
  for (guint i = 0; i < G_N_ELEMENTS (paths) && module == NULL; i++)
    if (paths[i] != NULL && *paths[i] != '\0')
      module = g_module_open (paths[i], G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      ds_fail (&o->error, DS_ERROR_UNSUPPORTED, "cannot open the MPI transport "
               "dawnsim-mpi.so (looked at $DAWNSIM_MPI_MODULE, %s and %s): %s",
               DS_PKGLIBDIR, DS_BUILD_MPI_MODULE, g_module_error ());
      return o;
    }
  if (!g_module_symbol (module, "dawnsim_mpi_init", &init) || init == NULL)
    {
      ds_fail (&o->error, DS_ERROR_UNSUPPORTED, "%s is not dawnsim's MPI module",
               g_module_name (module));
      return o;
    }
  g_module_make_resident (module);
  o->mpi = ((InitFn) init) (&o->error);
  return o;
}

#else
static gpointer
open_once (gpointer unused)
{
  Opened *o = g_new0 (Opened, 1);

  (void) unused;
  ds_fail (&o->error, DS_ERROR_UNSUPPORTED, "this dawnsim was built without MPI: install "
           "Open MPI (apt-get install libopenmpi-dev openmpi-bin, or run ./quickstart.sh) "
           "and configure again");
  return o;
}
#endif

const DsMpi *
ds_mpi_open (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  Opened *o = g_once (&once, open_once, NULL);

  if (o->mpi == NULL && error != NULL)
    *error = g_error_copy (o->error);
  return o->mpi;
}
