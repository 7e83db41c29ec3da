"""kbundle: capture a Kubernetes cluster into one diagnostic bundle and analyse it offline."""

__version__ = "0.1.0"
