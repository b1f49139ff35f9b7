"""Pure correlation logic: grouping alert changes into incidents and the commands that say so."""
