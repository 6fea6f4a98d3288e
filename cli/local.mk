# cli/local.mk - the dawnsim command: one file per subcommand.
