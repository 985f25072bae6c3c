"""Fixtures for the tagging tests: the real spaCy pipelines and the default model, loaded once."""

from __future__ import annotations

import pytest
from spacy.language import Language

from insights.pipeline import LoadedPipelines, load_pipelines
from insights.tagging.english import blank_english
from insights.tagging.model import TaggingModel
from insights.tagging.tagger import Tagger
from insights.tagging.training import default_model
from tests.support.readings import vpn_week  # noqa: F401 - the theme tests' hand-built week


@pytest.fixture(scope="session")
def pipelines() -> LoadedPipelines:
    return load_pipelines()


@pytest.fixture(scope="session")
def model() -> TaggingModel:
    return default_model()


@pytest.fixture(scope="session")
def tagger(pipelines: LoadedPipelines, model: TaggingModel) -> Tagger:
    return Tagger(pipelines, model=model)


@pytest.fixture(scope="session")
def fr(pipelines: LoadedPipelines) -> Language:
    return pipelines.fr


@pytest.fixture(scope="session")
def en_blank() -> Language:
    return blank_english()
