"""Shared test fixtures. Each family lives in its own module under tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.cloudsim",
    "tests.fixtures.realnova",
    "tests.fixtures.keystone",
]
