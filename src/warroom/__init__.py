"""warroom: self-hosted incident response that runs your Markdown runbook."""

__version__ = "0.1.0"
