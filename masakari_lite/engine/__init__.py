"""The recovery engine: claims notifications in SQL and recovers through Nova."""
