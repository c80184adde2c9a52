"""bughunt: deliberately broken ML pipelines that grade the repair, not the symptom."""

__version__ = "0.1.0"
