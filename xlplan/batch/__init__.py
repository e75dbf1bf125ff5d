"""Many clients at once: fast generation, the batch command, the portfolio."""
