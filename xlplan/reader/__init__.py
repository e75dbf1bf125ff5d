"""Reading an edited workbook back, safely: the package guard, then the plan."""
