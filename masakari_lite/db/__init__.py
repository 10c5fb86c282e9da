"""SQL storage: models, sessions, states and the queries of each resource."""
