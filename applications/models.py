"""Models of the applications app: filled in by the applications issue."""
