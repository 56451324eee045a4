"""cocreate package."""
