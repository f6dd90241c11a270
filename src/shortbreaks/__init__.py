"""shortbreaks core: app assembly, settings, db, accounts, jobs, web shell, CLI."""
