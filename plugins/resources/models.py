"""The resource catalogue's tables: a material (a stored file, a link or a task written here), the classes it
is opened to, and where it was used (a lesson or a lesson's homework)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

# What a material is, as the catalogue's filter and the issue name them (Russian titles in ``labels``).
KINDS = ("test", "task", "exercise", "presentation", "guide", "analysis")
# Who sees it besides its author: nobody, the school's staff, or the staff and the chosen classes' families
# and students ("association": the staff who teach its subject — the methodological association).
VISIBILITIES = ("author", "association", "teachers", "classes")
FORMS = ("file", "link", "text")
USES = ("lesson", "homework")


class Material(Base):
    """One material of the catalogue. A file is a ``StoredFile`` of the core (kept once per school by its
    checksum, however many materials or lessons use it); ``filename`` is the name it is shown with."""

    __tablename__ = "resources_material"
    __table_args__ = (Index("ix_resources_material_school_subject", "school_id", "subject_id", "kind"),
                      Index("ix_resources_material_school_author", "school_id", "author_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("core_subject.id"))
    # Grades as "5,6" (a material often fits neighbouring grades); searched with a LIKE on ",5,".
    grades: Mapped[str] = mapped_column(String(60), default="")
    topic: Mapped[str] = mapped_column(String(500), default="")
    # The КТП line the topic was taken from, when it was (the gradebook's ``LessonPlanItem``).
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("gradebook_lesson_plan_item.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")  # a task written here: Markdown, rendered safely
    url: Mapped[str] = mapped_column(String(1000), default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("core_stored_file.id"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    licence: Mapped[str] = mapped_column(String(300), default="")
    visibility: Mapped[str] = mapped_column(String(12), default="teachers")
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class MaterialClass(Base):
    """A class whose students and families may open the material (visibility "classes")."""

    __tablename__ = "resources_material_class"
    __table_args__ = (UniqueConstraint("material_id", "class_id"),
                      Index("ix_resources_material_class_school_class", "school_id", "class_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    material_id: Mapped[int] = mapped_column(ForeignKey("resources_material.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))


class MaterialUse(Base):
    """The material attached to a lesson (``use`` "lesson") or to the homework given at it ("homework")."""

    __tablename__ = "resources_material_use"
    __table_args__ = (UniqueConstraint("material_id", "lesson_id", "use"),
                      Index("ix_resources_material_use_school_lesson", "school_id", "lesson_id"),
                      Index("ix_resources_material_use_school_material", "school_id", "material_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    material_id: Mapped[int] = mapped_column(ForeignKey("resources_material.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("gradebook_lesson.id", ondelete="CASCADE"))
    use: Mapped[str] = mapped_column(String(10), default="lesson")
    attached_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
