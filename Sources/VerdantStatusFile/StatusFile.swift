// placeholder until the status file lands
