"""Admission webhooks the API server calls (kubesvc models a cluster with MetalLB)."""
