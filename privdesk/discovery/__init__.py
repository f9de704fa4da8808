"""Talking to the company's databases: the connection registry, introspection, the identifier
map, the subject search and its portability export. Never imports Qt."""
