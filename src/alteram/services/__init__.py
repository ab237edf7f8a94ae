"""Use cases: each loads, calls the domain, saves and appends events in one transaction."""
