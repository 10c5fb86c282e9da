"""Only what pyproject.toml cannot say: the packages list.

migrations/ sits at the top of the tree but ships as masakari_lite.migrations
(package-dir in pyproject.toml); automatic discovery cannot find a package
that lives outside its parent's directory, so it is added by name.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["masakari_lite", "masakari_lite.*"])
    + ["masakari_lite.migrations", "masakari_lite.migrations.versions"],
)
