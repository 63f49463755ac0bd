"""ipywidgets renderers of the kit's item types (imported as ``nanglucso.widgets``)."""

from .renderers import RENDERERS, ItemWidget, shuffled
from .session import Assessment, open_assessment, student_id

__all__ = ["RENDERERS", "Assessment", "ItemWidget", "open_assessment", "shuffled", "student_id"]
