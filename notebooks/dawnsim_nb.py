"""notebooks/dawnsim_nb.py - what every figure notebook shares.

Finding the dawnsim binary, the shared reference data and the figures
folder; running dawnsim and reading its JSON or CSV; saving a figure.
Nothing here computes a result of its own: every number a notebook plots
comes from a dawnsim command (or a bench program) run here, or from a
data file that cites where it was copied from.

Environment (set by `make figures`, optional when run by hand from
notebooks/):
  DAWNSIM          the dawnsim binary       (default ../cli/dawnsim)
  DS_BENCH_DIR     built bench programs     (default ../bench)
  DS_SHARED_DATA   ../shared/data           (default ../../shared/data)
  DS_FIGURES       where PNGs go            (default ../figures)
  DS_FIGURES_FAST  1: fewer seeds and runs (CI)
"""
import io
import json
import os
import shlex
import subprocess
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

HERE = os.path.abspath(os.getcwd())
TOP = os.path.dirname(HERE) if os.path.basename(HERE) == "notebooks" else HERE


def _path(var, default):
    return os.path.abspath(os.environ.get(var) or default)


DAWNSIM = _path("DAWNSIM", os.path.join(TOP, "cli", "dawnsim"))
BENCH_DIR = _path("DS_BENCH_DIR", os.path.join(TOP, "bench"))
SHARED = _path("DS_SHARED_DATA", os.path.join(TOP, "..", "shared", "data"))
FIGURES = _path("DS_FIGURES", os.path.join(TOP, "figures"))
FAST = os.environ.get("DS_FIGURES_FAST", "") not in ("", "0")
NB_DATA = os.path.join(TOP, "notebooks", "data")

os.makedirs(FIGURES, exist_ok=True)
plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 120, "font.size": 10,
                     "axes.grid": True, "grid.alpha": 0.3})

if not os.access(DAWNSIM, os.X_OK):
    raise RuntimeError(f"dawnsim not found at {DAWNSIM}: build it (make) or set DAWNSIM")


def run(*args, check=True, timeout=600):
    """Runs `dawnsim ARGS...`; returns its stdout as text (stderr is shown)."""
    argv = [DAWNSIM] + [str(a) for a in args]
    print("$ dawnsim " + " ".join(shlex.quote(str(a)) for a in args))
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.stderr.strip():
        print(p.stderr.strip()[-2000:])
    if check and p.returncode != 0:
        raise RuntimeError(f"dawnsim {args[0]} exited {p.returncode}")
    return p.stdout


def run_json(*args, **kw):
    """`dawnsim ARGS... --format json`, parsed."""
    return json.loads(run(*args, "--format", "json", **kw))


def run_csv(*args, **kw):
    """`dawnsim ARGS... --format csv` as a DataFrame."""
    return pd.read_csv(io.StringIO(run(*args, "--format", "csv", **kw)))


def has_command(name):
    """Whether this dawnsim has the subcommand NAME (from `dawnsim --help`)."""
    p = subprocess.run([DAWNSIM, "--help"], capture_output=True, text=True)
    return any(line.split()[:1] == [name] for line in p.stdout.splitlines())


def bench(name):
    """Path of a built bench program, or None when it is not built."""
    path = os.path.join(BENCH_DIR, name)
    return path if os.access(path, os.X_OK) else None


def scratch(name):
    """A path in a per-session temporary folder, for dawnsim's output files."""
    global _TMP
    try:
        _TMP
    except NameError:
        _TMP = tempfile.mkdtemp(prefix="dawnsim-figures-")
    return os.path.join(_TMP, name)


def save(fig, name, tight=True):
    """Writes FIGURES/NAME.png and shows the figure in the notebook; tight=False
    keeps a layout the caller made (tight_layout with a rect, for a legend)."""
    path = os.path.join(FIGURES, name + ".png")
    if tight:
        fig.tight_layout()
    fig.savefig(path)
    print("wrote", os.path.relpath(path, TOP))
    plt.show()
    return path


def not_available(name, title, why):
    """A figure that says plainly that there is nothing to plot yet."""
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.axis("off")
    ax.text(0.5, 0.62, title, ha="center", va="center", fontsize=13, weight="bold")
    ax.text(0.5, 0.32, "NOT AVAILABLE YET\n" + why, ha="center", va="center",
            fontsize=10, wrap=True)
    return save(fig, name)
