"""Run the CLI with `python -m alertdesk`."""
from alertdesk.cli import main

main()
