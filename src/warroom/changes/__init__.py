"""Change events: deploys and config changes, the first thing a responder checks."""
