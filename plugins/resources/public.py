"""What other plugins may use of the resource catalogue: its material table (to link to a material) and the
one way to add a material (the staff plans post a teacher's analytical material with it)."""
from __future__ import annotations

from plugins.resources.models import KINDS, VISIBILITIES, Material
from plugins.resources.services import ResourceError
from plugins.resources.services import create as create_material

__all__ = ["KINDS", "VISIBILITIES", "Material", "ResourceError", "create_material"]
