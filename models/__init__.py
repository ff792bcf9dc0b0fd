"""Model artifacts (versioned folders, git-ignored) and the registry that tracks them."""
