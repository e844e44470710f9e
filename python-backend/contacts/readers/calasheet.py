"""One sheet of a calamine workbook, or the reason it gives no cells: shared by the whole and the cut readings.

calamine raises CalamineError both for sheets that hold no cells by nature (a chart, dialog or macro sheet) and for
a worksheet it cannot read (broken XML, a malformed reference). The first reads as an empty sheet; the second is
damage, kept apart so the user hears "damaged" rather than "no phone column", while the other sheets still import.
"""
import python_calamine

NO_CELLS = "no cells"
DAMAGED = "damaged"


def is_worksheet(workbook, name):
    """Whether sheet NAME of the calamine WORKBOOK is a worksheet (the only kind that holds cells)."""
    return any(meta.name == name and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
               for meta in workbook.sheets_metadata)


def opened_sheet(workbook, name):
    """Sheet NAME of WORKBOOK as a CalamineSheet, else NO_CELLS (not a worksheet) or DAMAGED (a worksheet calamine
    refuses)."""
    try:
        return workbook.get_sheet_by_name(name)
    except python_calamine.CalamineError:
        return DAMAGED if is_worksheet(workbook, name) else NO_CELLS
