"""v1 event contracts, one module per aggregate."""
