"""`mawrid export --format imscc|scorm|zip ID --output FILE`, run as a user runs it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from repository.courses import service as courses
from repository.domain import SYSTEM
from repository.services.collections import create_collection, create_community
from repository.services.files import add_file
from repository.settings import Settings
from tests.course_factories import course_metadata, ingest, make_course
from tests.repository.ingest.package_builders import probe_package
from tests.web.cli.test_commands import mawrid
from web.wiring import wire


def test_courses_export_as_cartridge_zip_and_original_scorm(tmp_path: Path) -> None:
    env = {"MAWRID_DATA_DIR": str(tmp_path / "data"), "MAWRID_SECRET_KEY": "test-secret-key-123"}
    wiring = wire(Settings(data_dir=tmp_path / "data", _env_file=None))  # type: ignore[call-arg]
    create_community(wiring.uow(), SYSTEM, "education", "Faculty of Educational Sciences", "كلية العلوم التربوية")
    create_collection(wiring.uow(), SYSTEM, "education", "edu-courses", "Courses", "مقررات")
    built = make_course(wiring, "edu-courses", published=False)
    package = courses.create_course(wiring.uow(), SYSTEM, "edu-courses", course_metadata("Probe", "en"))
    add_file(wiring.uow(), wiring.store, SYSTEM, package.id, io.BytesIO(probe_package()), "probe-2004.zip")
    ingest(wiring, package.id)
    wiring.engine.dispose()

    cartridge = tmp_path / "out" / "course.imscc"
    done = mawrid(env, "export", "--format", "imscc", built.id, "--output", str(cartridge))
    assert f"course {built.id} written to {cartridge} (imscc)" in done.stdout
    assert "imsmanifest.xml" in zipfile.ZipFile(cartridge).namelist()
    mawrid(env, "export", "--format", "zip", "--item", built.id, "--output", str(tmp_path / "out"))
    assert "README.txt" in zipfile.ZipFile(tmp_path / "out" / f"{built.id}.zip").namelist()
    mawrid(env, "export", "--format", "scorm", package.id, "-o", str(tmp_path / "out"))
    assert (tmp_path / "out" / "probe-2004.zip").read_bytes() == probe_package()

    refused = mawrid(env, "export", "--format", "scorm", built.id, "-o", str(tmp_path / "x.zip"), check=False)
    assert refused.returncode == 3 and "not made from a SCORM package" in refused.stderr
    assert not (tmp_path / "x.zip").exists() and not list(tmp_path.glob(".x.zip*"))
    unknown = mawrid(env, "export", "--format", "pdf", built.id, "-o", str(tmp_path / "y"), check=False)
    assert unknown.returncode == 2 and "--format" in unknown.stderr
