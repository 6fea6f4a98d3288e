# notebooks/local.mk - `make figures`: the seed papers' figures, rebuilt
# from dawnsim's output by the Jupyter notebooks here (docs/reproduction.md).
#
# Not part of `make check`: it needs Python with matplotlib, pandas and
# nbconvert (./quickstart.sh figures installs them) and takes minutes.
# bench-explain is built for notebook 04, bench-wir (its --format csv)
# for notebook 03.

ds_notebooks = \
	%D%/01-pipedream.ipynb %D%/02-time-to-accuracy.ipynb %D%/03-weld.ipynb \
	%D%/04-macrobase.ipynb %D%/05-fidelity.ipynb %D%/06-large-models.ipynb
EXTRA_DIST += $(ds_notebooks) %D%/dawnsim_nb.py %D%/run.sh %D%/README.md \
	%D%/data/validation.csv %D%/data/pipedream-paper.csv docs/reproduction.md

figures: cli/dawnsim$(EXEEXT) bench/bench-explain$(EXEEXT) bench/bench-wir$(EXEEXT)
	DAWNSIM='$(abs_top_builddir)/cli/dawnsim$(EXEEXT)' \
	DS_BENCH_DIR='$(abs_top_builddir)/bench' \
	DS_SHARED_DATA='$(DS_SHARED_DATA_DIR)' \
	DS_FIGURES='$(abs_top_builddir)/figures' \
	$(SHELL) $(srcdir)/%D%/run.sh $(FIGURES_FLAGS)

clean-figures:
	rm -rf figures

.PHONY: figures clean-figures
