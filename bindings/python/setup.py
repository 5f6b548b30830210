"""Marks the wheel as platform-specific: it carries the native Latchkey library."""

from setuptools import setup
from setuptools.dist import Distribution


class BinaryDistribution(Distribution):
    """A distribution with a native library (platform wheel tag, not py3-none-any)."""

    def has_ext_modules(self) -> bool:
        return True


setup(distclass=BinaryDistribution)
