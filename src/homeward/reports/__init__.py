"""Programme figures: counts that read only what they may and point at no one (DESIGN, 8)."""
