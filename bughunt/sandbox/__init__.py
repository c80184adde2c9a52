"""Run untrusted student code in a separate, limited process and bring back raw observations."""
from .runner import Limits, RunResult, run_probe

__all__ = ["Limits", "RunResult", "run_probe"]
