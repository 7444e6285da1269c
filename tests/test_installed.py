"""The versions and metadata read off a package's .dist-info folder are what importlib.metadata
reads, and a package without one (a checkout) says so."""

import importlib.metadata
import sys

import pytest

from tflint_sg import installed


@pytest.mark.parametrize("distribution, package", [("python-hcl2", "hcl2"), ("lark", "lark"),
                                                    ("msgspec", "msgspec"), ("click", "click")])
def test_the_version_is_the_one_importlib_metadata_reads(distribution, package):
    assert installed.version(distribution, package) == importlib.metadata.version(distribution)


def test_reading_the_versions_does_not_import_the_packages():
    # The parse cache's key needs lark's version on runs that never parse; importing lark for
    # it would cost what the cache saves.
    was = sys.modules.pop("lark", None)
    try:
        assert installed.version("lark", "lark")
        assert "lark" not in sys.modules
    finally:
        if was is not None:
            sys.modules["lark"] = was


def _fake_install(folder, metadata: str):
    (folder / "fakepkg").mkdir()
    (folder / "fakepkg" / "__init__.py").write_text("")
    info = folder / "Fake_Pkg-2.3.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(metadata)


def test_metadata_headers_are_read_up_to_the_description(tmp_path, monkeypatch):
    _fake_install(tmp_path, "Metadata-Version: 2.1\nName: fake-pkg\nVersion: 2.3.1\n"
                            "Project-URL: Homepage, https://example.com/fake\n"
                            "project-url: Documentation, https://example.com/fake/docs/\n"
                            "\nProject-URL: Not, a header: the description\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed.version("fake.pkg", "fakepkg") == "2.3.1"
    assert installed.metadata_headers("fake-pkg", "fakepkg", "Project-URL") == [
        "Homepage, https://example.com/fake", "Documentation, https://example.com/fake/docs/"]


def test_a_package_without_its_dist_info_beside_it_has_no_metadata(tmp_path, monkeypatch):
    (tmp_path / "fakepkg").mkdir()
    (tmp_path / "fakepkg" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed.metadata_headers("fake-pkg", "fakepkg", "Project-URL") is None
    assert installed.version("no-such-distribution-here", "fakepkg") is None
    assert installed.version("no-such-distribution-here", "no_such_package_here") is None


def test_an_old_folded_description_does_not_end_the_headers(tmp_path, monkeypatch):
    # Metadata 1.x folds the description into a header whose empty lines are spaces.
    _fake_install(tmp_path, "Metadata-Version: 1.2\nName: fake-pkg\nVersion: 2.3.1\n"
                            "Description: first line\n        \n        more description\n"
                            "Project-URL: Documentation, https://example.com/fake/docs/\n\nbody\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed.metadata_headers("fake-pkg", "fakepkg", "Project-URL") == [
        "Documentation, https://example.com/fake/docs/"]


def test_metadata_not_beside_the_package_is_still_found(tmp_path, monkeypatch):
    # An egg-info install: importlib.metadata knows where it is.
    (tmp_path / "fakepkg").mkdir()
    (tmp_path / "fakepkg" / "__init__.py").write_text("")
    info = tmp_path / "fake_pkg-2.3.1.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: fake-pkg\nVersion: 2.3.1\n"
                                   "Project-URL: Homepage, https://fork.example/\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed.metadata_headers("fake-pkg", "fakepkg", "Project-URL") == ["Homepage, https://fork.example/"]
