"""libcst checks of a submission's source: root-cause checks and a catalog of suppressions."""
from .base import Finding, Source, SourceError, StaticCheck

__all__ = ["Finding", "Source", "SourceError", "StaticCheck"]
