"""xlplan in live Excel: worksheet functions (xlwings) over the same calculations."""
