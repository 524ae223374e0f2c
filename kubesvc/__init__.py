"""kubesvc: Kubernetes Services, offline."""

__version__ = "0.1.0"
