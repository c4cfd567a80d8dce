"""Models of the reviews app: filled in by the applications issue."""
