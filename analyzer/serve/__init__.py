"""``kbundle serve``: a bundle as a read-only Kubernetes API for the real kubectl (docs/serve.md)."""
