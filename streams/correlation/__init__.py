"""Pure correlation logic: topology, categories, priority, the engine that turns alert changes into incident commands."""
