"""The panels: widgets that drive a lab through its public API only.

    from mailflowlab.ui import mail_flow_panel, QueueViewer, InboundExplorer
    mail_flow_panel(lab)         # toggles, a send form, where the message went
    QueueViewer(lab)             # Get-Queue / Get-Message, the clock, service toggles
    InboundExplorer()            # chapters 2 and 5: Internet mail through each perimeter
    CoexistenceExplorer()        # chapter 6: the 2010 -> 2013 migration
    SiteExplorer(lab)            # chapter 7: site link costs and hub sites
    console_widget(lab)          # a telnet window
    header_analyzer(text)        # paste headers, read the hops

Each panel contains its widgets (`panel.widget`) rather than being one, shows itself when a
cell displays it, says in words when an action fails, and has `refresh()` to read the lab
again after a cell changed it. Only this package imports ipywidgets.
"""
from .coexistence_explorer import CoexistenceExplorer
from .console import ConsolePanel, console_widget
from .header_analyzer import HeaderAnalyzer, header_analyzer
from .inbound_explorer import InboundExplorer
from .mail_flow import MailFlowPanel, ServiceToggles, mail_flow_panel, service_toggles
from .panel import Panel
from .queue_viewer import Clock, QueueViewer
from .site_explorer import SiteExplorer

__all__ = ["Panel", "MailFlowPanel", "mail_flow_panel", "ServiceToggles", "service_toggles", "QueueViewer",
           "Clock", "InboundExplorer", "CoexistenceExplorer", "SiteExplorer", "ConsolePanel", "console_widget",
           "HeaderAnalyzer", "header_analyzer"]
