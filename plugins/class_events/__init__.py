from plugins.class_events import models  # noqa: F401
from core.toolkit import PluginInfo
PLUGIN = PluginInfo(name="class_events", title="Events", version="1.0.0")
