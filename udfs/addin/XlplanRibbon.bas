Attribute VB_Name = "XlplanRibbon"
' The xlplan ribbon tab (customUI14.xml): one callback per button. Each runs its macro in
' Python through xlwings' RunPython; the macros are in udfs/ribbon.py, and they work on the
' active workbook. Built into xlplan.xlam by `xlplan addin build`.
Option Explicit

Sub ScorePriorities(control As IRibbonControl)
    RunPython "import udfs.ribbon; udfs.ribbon.score_priorities()"
End Sub

Sub CheckFunding(control As IRibbonControl)
    RunPython "import udfs.ribbon; udfs.ribbon.check_funding()"
End Sub

Sub RefreshDashboard(control As IRibbonControl)
    RunPython "import udfs.ribbon; udfs.ribbon.refresh_dashboard()"
End Sub

Sub CheckPlan(control As IRibbonControl)
    RunPython "import udfs.ribbon; udfs.ribbon.check_plan()"
End Sub

Sub ExportActions(control As IRibbonControl)
    RunPython "import udfs.ribbon; udfs.ribbon.export_actions()"
End Sub

Sub ClientCopy(control As IRibbonControl)
    RunPython "import udfs.ribbon; udfs.ribbon.client_copy()"
End Sub
