"""The pieces of `mortar site up` that read a generated site, on bad input."""

from __future__ import annotations

import shutil

import pytest
from mortar_infra.config import MortarError
from mortar_infra.procs import read_procfile
from mortar_infra.tenants import schema_for


def test_procfile_missing_a_role_is_named(sites, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(sites["defaults"].site, site)
    text = (site / "Procfile").read_text()
    lines = text.splitlines()
    (site / "Procfile").write_text("\n".join(ln for ln in lines if not ln.startswith("web:")))
    with pytest.raises(MortarError, match="missing process\\(es\\) web"):
        read_procfile(site)
    # beat: inside the worker, or a line of its own - never neither, never both
    (site / "Procfile").write_text(text.replace("env MORTAR_BEAT=embedded ", ""))
    with pytest.raises(MortarError, match="no beat process, and the worker does not run it"):
        read_procfile(site)
    (site / "Procfile").write_text(text + "beat: python -m mortar_api.run beat\n")
    with pytest.raises(MortarError, match="keep one of them"):
        read_procfile(site)
    (site / "Procfile").unlink()
    with pytest.raises(MortarError, match="no Procfile"):
        read_procfile(site)


@pytest.mark.parametrize(
    ("domain", "schema"),
    [
        ("shop.acme.localhost", "shop_acme_localhost"),
        ("Shop-2.Example.COM", "shop_2_example_com"),
        ("9lives.example.com", "t_9lives_example_com"),
    ],
)
def test_tenant_schema_names_from_domains(domain, schema):
    assert schema_for(domain) == schema
    assert len(schema_for("a" * 80 + ".com")) <= 50
