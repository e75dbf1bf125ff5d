"""Pure calculations of the method; each one is also a native formula in the workbook."""
