"""Personas and shared fixtures (STYLE.md rule 9)."""

import pytest
from django.contrib.auth.models import Group

from portal.models import Role


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def roles(db):
    return {code: Group.objects.get_or_create(name=code)[0] for code in Role.values}
