"""The composition root: settings, CLI and wiring. The only package that imports all the others."""
