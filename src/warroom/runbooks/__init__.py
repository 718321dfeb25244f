"""Runbooks: the Markdown document people read, parsed into the policy that drives incidents."""
