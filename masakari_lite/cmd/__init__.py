"""Console entry points. Nothing imports this package."""
