"""symnet: find and optimise industrial symbiosis in a region."""

__version__ = "0.1.0"
