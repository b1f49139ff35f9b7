"""Reports over the system of record: MTTA/MTTR, first-line resolution, SLA compliance, counts, noise, monthly."""
