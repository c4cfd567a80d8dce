"""Models of the windows app: filled in by the applications issue."""
